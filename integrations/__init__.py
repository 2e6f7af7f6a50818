"""Adapters to the outside world, one package each."""
