"""Handlers that ship with Tricircle."""
