"""Officials' reports (领导看板): filters, statistics, hotspots, exports and the daily digest."""
