"""Channel connectors (Telegram, WeChat) for the Rasa server. The web chat relays through
the linkage service's `/chat` page and Rasa's REST channel."""
