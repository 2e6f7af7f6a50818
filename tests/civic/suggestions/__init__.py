"""Tests of civic.suggestions."""
