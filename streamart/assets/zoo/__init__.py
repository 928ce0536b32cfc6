"""Shipped style models (package data; see README.md here)."""
