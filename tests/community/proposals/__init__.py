"""Tests of community.proposals."""
