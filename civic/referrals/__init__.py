"""Referrals: a coordinator proposes an activity; the family answers."""
