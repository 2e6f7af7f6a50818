"""Sign-in, sessions, callers and guards."""
