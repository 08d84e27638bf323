"""The channels end to end: Telegram (webhook and polling, a fake Bot API), WhatsApp (forms signed as
Twilio signs them, a fake Twilio), the terminal's rehearsal, intake once and only once, oversized input, her
files fetched, questions to her office over each."""
