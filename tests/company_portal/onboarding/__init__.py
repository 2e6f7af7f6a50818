"""Tests of company_portal.onboarding."""
