"""The conversation engine: runs a turn over any flow, and the machinery flows are built with."""
