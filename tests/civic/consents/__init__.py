"""Tests of civic.consents."""
