"""The HR manager's façade: onboarding, roster, waves and results views."""
