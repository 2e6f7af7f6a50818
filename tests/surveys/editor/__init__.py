"""Tests of surveys.editor."""
