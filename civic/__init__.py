"""Schools, Civic Centers, activity offers, families and pupils."""
