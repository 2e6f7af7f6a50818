"""Each domain's route handlers, mounted by legami.application.create_app()."""
