"""The program's targets, its dashboard and the funder's report."""
