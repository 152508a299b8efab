"""Reusable widgets (synthesis controls, ...)."""
