"""The channel-agnostic dialogue, in three packages and a list:

- `engine`: what runs a turn (`engine`), the turn itself and the names of the flows (`turn`), forms
  (`forms`), which option she meant (`options`), greetings (`courtesy`), and who is writing (`identity`);
- `family`: one module per flow that families use (the menu, registration, trainings, tips, canteens, her
  account, asking her office);
- `staff`: one module per flow of the staff chat, each over the office actions;
- `flows`: every flow put together and checked, once.

family and staff import the engine; the engine imports no flow (what it needs of them, `flows` hands it)."""
