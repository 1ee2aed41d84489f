"""Chinese language understanding: Rasa pipeline components and the pure extraction they use."""
