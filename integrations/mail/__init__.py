"""Outgoing mail: SMTP in production, the development mailbox otherwise."""
