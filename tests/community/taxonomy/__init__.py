"""Tests of community.taxonomy."""
