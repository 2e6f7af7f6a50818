"""Tests of surveys.answering."""
