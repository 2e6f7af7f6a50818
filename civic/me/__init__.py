"""`/me/activities`: published Civic Center activities for parents."""
