"""Roster imports: CSV, SCIM (issue 3)."""
