"""Shipped style models (installed from the repository's models/ folder); see README.md here."""
