"""Tickets (工单): storage, numbering, lifecycle events."""
