"""The office actions called directly, and what offices found: who may do what, decisions raced, events,
imported lists and their limits."""
