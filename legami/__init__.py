"""The composition root: the web app and its routes, the `legami` command, the list of jobs,
the demo seed. Nothing imports it but tests and entry points."""
