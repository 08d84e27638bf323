"""The flows families use, one module each."""
