"""Offline, reproducible training of the learned injection stage (never imported by the server)."""
