"""What the tests share, so that no test module imports another: the person and clock of a session
(`people`), the builders of the test data they share (`builders`), what they read back (`reads`), the fake
Telegram and Twilio servers, the test databases, `usar` as a process, a database outage, and the console's
clients."""
