"""The HR manager's façade: company onboarding, the roster and SCIM.

Waves and results live in surveys/."""
