"""Errors that services raise and the web layer turns into pages or JSON."""

from __future__ import annotations


class InvalidInput(Exception):
    """Bad input: messages per field, already in the user's language."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors
