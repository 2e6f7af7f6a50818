"""Which Civic Center activities fit a pupil, and why."""
