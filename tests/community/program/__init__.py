"""Tests of community.program."""
