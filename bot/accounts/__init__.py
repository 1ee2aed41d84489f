"""Staff accounts, roles, API tokens and page sessions of the linkage service."""
