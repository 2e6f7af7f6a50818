"""Privacy notices and parental consents."""
