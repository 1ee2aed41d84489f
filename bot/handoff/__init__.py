"""Chat handoff (人工转接): a resident's conversation goes to a hotline clerk, who answers in the
operator console; the bot stays silent until the clerk hands the conversation back."""
