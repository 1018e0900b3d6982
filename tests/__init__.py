"""sitegen tests."""
