"""Telegram through aiogram 3: updates become Inbound, replies become Bot API calls. Nothing else."""
