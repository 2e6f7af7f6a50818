"""`legami company …`: company onboarding from the shell, for program staff."""

import click


@click.group(help="Company onboarding: add companies, configure sign-in, import rosters.")
def company() -> None:
    pass
