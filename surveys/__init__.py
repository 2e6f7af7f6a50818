"""Needs surveys, waves and anonymous responses (issue 4)."""
