"""The staff chat: one module per flow, each a surface over the office actions (office/)."""
