"""The edges: one module per channel, turning platform messages into Inbound and Reply into platform calls."""
