"""Configuration: defaults for the embedded run, one clear line for each bad value."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import ConfigError, load_settings

SECRET = "s" * 40


def test_defaults_give_the_embedded_run(tmp_path: Path) -> None:
    settings = load_settings({"VAR_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite://{tmp_path}/legami.sqlite3"
    assert settings.broker_kind == "embedded" and settings.smtp_url == "dev"
    assert settings.language == "it" and settings.is_development
    assert len(settings.secret_key) >= 32
    assert load_settings({"VAR_DIR": str(tmp_path)}).secret_key == settings.secret_key


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": "mysql://db/legami"}, "DATABASE_URL: unknown scheme 'mysql'"),
        ({"BROKER_URL": "kafka://q"}, "BROKER_URL: unknown scheme 'kafka'"),
        ({"BROKER_URL": "redis://:::/x"}, "BROKER_URL: 'redis://:::/x' is not a valid address"),
        ({"DATABASE_URL": "postgres://db:port/x"}, "DATABASE_URL: 'postgres://db:port/x' is not"),
        ({"SMTP_URL": "http://mail"}, "SMTP_URL: unknown scheme 'http'"),
        ({"LANGUAGE": "de"}, "LANGUAGE: 'de' is not available"),
        ({"PORT": "eighty"}, "PORT: 'eighty' is not a whole number"),
        ({"BASE_URL": "legami.example"}, "BASE_URL: 'legami.example' is not"),
        ({"LEGAMI_ENV": "staging"}, "LEGAMI_ENV: unknown value 'staging'"),
        ({"LEGAMI_ENV": "production", "SMTP_URL": "smtp://mail"}, "SECRET_KEY: required"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY: too short"),
        ({"LEGAMI_ENV": "production", "SECRET_KEY": SECRET}, "SMTP_URL: required in production"),
        ({"LEGAMI_ENV": "production", "SECRET_KEY": SECRET, "SMTP_URL": "smtp://mail"},
         "BALLOT_KEY: required in production"),
        ({"BALLOT_KEY": "c2hvcnQ="}, "BALLOT_KEY: key 1 is not 32 bytes"),
        ({"PACTS_LEGAL_BASIS": "legitimate_interest"},
         "PACTS_LEGAL_BASIS: unknown value 'legitimate_interest'"),
        ({"BALLOT_KEY": "A" * 43 + "," + "not base64!"}, "BALLOT_KEY: key 2 is not 32 bytes"),
    ],
)
def test_each_bad_value_is_named_in_one_line(tmp_path: Path, environ: dict[str, str],
                                             message: str) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings({"VAR_DIR": str(tmp_path), **environ})
    assert str(error.value).startswith(message)
    assert "\n" not in str(error.value)


def test_a_bad_value_stops_the_command_with_one_line_and_no_traceback(tmp_path: Path) -> None:
    legami = Path(sys.executable).with_name("legami")
    result = subprocess.run(
        [str(legami), "migrate"], capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path),
             "DATABASE_URL": "oracle://db/legami"},
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "legami: configuration error: DATABASE_URL: unknown scheme 'oracle' in "
        "'oracle://db/legami'; use one of: sqlite, postgres, postgresql"
    ]
    assert "Traceback" not in result.stderr
