"""Needs to proposals: labs and initiatives in two clicks."""
