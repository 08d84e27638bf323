"""Pure functions and checks of the code itself: text, validators, payloads, the catalogs and the shipped
content, the flow tables, the layers (and that no test module imports another), the logs' masking."""
