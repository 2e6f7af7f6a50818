"""Tests of surveys.waves."""
