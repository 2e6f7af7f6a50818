"""OpenID Connect relying party (issue 3)."""
