"""Needs taxonomy, community labs, conciliation initiatives, program targets (issue 6)."""
