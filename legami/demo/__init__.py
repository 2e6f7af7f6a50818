"""The demo seed: fictional organizations, people and each domain's demo data."""
