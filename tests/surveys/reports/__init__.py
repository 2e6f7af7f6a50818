"""Tests of surveys.reports."""
