"""Sessions of a person talking to the engine: a family's registration, account, details, trainings,
canteens, tips, questions to her office, and the staff's chat; the engine's promises."""
