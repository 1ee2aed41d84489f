"""Custom actions of the hotline assistant (rasa-sdk action server, `rasa run actions`)."""
