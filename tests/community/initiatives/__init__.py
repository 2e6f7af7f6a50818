"""Tests of community.initiatives."""
