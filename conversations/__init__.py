"""Channel-agnostic dialogue: the engine that runs a turn, and one module per flow."""
