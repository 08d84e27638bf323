"""The shared basics, below every other package of ours: languages (`i18n`), text (`text`), dates (`dates`),
validators, the domain's closed vocabularies (`domain`), what options carry (`payloads`) and the channel
contract (`channel`). storage, office, conversations, console, the channels and bot may all import it; it
imports none of them (only `locales`, the catalogs)."""
