"""The survey editor: drafts, translations, content rules, freezing."""
