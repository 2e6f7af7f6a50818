"""Tests of legami."""
