"""Civic Center activities: offers, rosters, calendar files, reports."""
