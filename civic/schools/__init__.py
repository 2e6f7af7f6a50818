"""A school's report."""
