"""WhatsApp through Twilio: signed webhook forms become Inbound, replies become TwiML. Nothing else."""
