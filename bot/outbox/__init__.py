"""The outbox's worker: the dispatcher that sends what the outbox holds (`dispatcher`), each channel's pace
(`pacing`), quiet hours (`quiet`), and where each delivery goes and what became of it (`outcomes`)."""
