"""Reproducible training of the learned injection stage (offline only; the server never imports it)."""
