"""The needs taxonomy: need areas, initiative types, categories."""
