"""Tests of civic.activities."""
