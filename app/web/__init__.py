"""The web kernel: request context, middleware, errors, templating and log scrubbing.

The app itself is built by the composition root, `legami.application.create_app`."""
