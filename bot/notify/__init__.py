"""Progress pushed back to residents: public ticket events → Rasa `trigger_intent` on the
channel the resident used (Telegram, WeChat, web chat), once each, retried while anything is down."""
