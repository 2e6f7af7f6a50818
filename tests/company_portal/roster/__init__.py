"""Tests of company_portal.roster."""
