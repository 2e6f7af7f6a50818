"""Tests of community.labs."""
