"""Suggestions for hotline operators (话务员辅助): what the caller wants, where, who handles it,
whether it is already being handled, and what to say."""
