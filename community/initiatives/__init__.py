"""Conciliation initiatives: catalogue, sign-ups, waitlist, offers."""
