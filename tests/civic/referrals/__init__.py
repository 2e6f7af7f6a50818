"""Tests of civic.referrals."""
