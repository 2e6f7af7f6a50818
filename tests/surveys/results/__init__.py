"""Tests of surveys.results."""
