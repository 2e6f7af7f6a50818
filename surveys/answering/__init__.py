"""Answering a survey: the employee's pages and the answering rules."""
