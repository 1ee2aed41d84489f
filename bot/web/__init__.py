"""HTTP side of the linkage service: app factory, APIs and pages."""
