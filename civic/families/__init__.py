"""A school's families and pupils: imports, retention."""
