"""The web console: sign-in, the families and inbox pages over HTTP, her files as staff open them, and
the pages in a real browser (screenshots in test-screenshots/)."""
