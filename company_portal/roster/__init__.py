"""The roster: who a company's waves go to (CSV files or SCIM)."""
