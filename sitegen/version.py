"""sitegen's version: here, not in the package root, so modules inside the package can read it without importing the root."""

__version__ = "0.1.0"
