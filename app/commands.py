"""What every `legami` command shares: a configuration or input error is one clear
line and exit status 2, not a traceback. Domain commands use it without importing the
composition root."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from app.settings import ConfigError


def friendly(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn configuration, input and database errors into one clear line and exit status 2."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from app.errors import InvalidInput

        try:
            return command(*args, **kwargs)
        except ConfigError as error:
            click.echo(f"legami: configuration error: {error}", err=True)
            sys.exit(2)
        except InvalidInput as error:
            for field, message in error.errors.items():
                click.echo(f"legami: {field}: {message}", err=True)
            sys.exit(2)
        except Exception as error:
            from app.startup import Unavailable, database_problem

            problem = str(error) if isinstance(error, Unavailable) else database_problem(error)
            if problem is None:
                raise
            click.echo(f"legami: {problem}", err=True)
            sys.exit(2)

    return run
