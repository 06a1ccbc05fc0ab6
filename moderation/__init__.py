"""Moderation of chat input: prompt injection and personal data. Use `moderation.service.scan`."""
