"""Company onboarding: from the invitation to an active company."""
