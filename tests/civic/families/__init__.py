"""Tests of civic.families."""
