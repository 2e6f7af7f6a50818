"""Survey waves: one survey version sent to companies between two dates."""
