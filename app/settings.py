"""One typed settings object, read from the environment (and an optional .env) once.

A bad value stops start-up with one clear line: `ConfigError` carries it, and the
CLI prints it without a stack trace.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENTS = ("development", "test", "production")
LANGUAGES = ("it", "en")
DB_SCHEMES = ("sqlite", "postgres", "postgresql")
BROKER_SCHEMES = ("embedded", "redis", "rediss", "amqp", "amqps")
SMTP_SCHEMES = ("dev", "smtp", "smtps", "smtp+starttls")


class ConfigError(Exception):
    """A configuration value that cannot work; the message is one line for the operator."""


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    database_url: str = ""
    broker_url: str = "embedded"
    smtp_url: str = "dev"
    mail_from: str = "Legami <noreply@farelegami.example>"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    ballot_keys: tuple[bytes, ...] = ()  # BALLOT_KEY: the first seals, all open
    language: str = "it"
    port: int = 8000
    var_dir: Path = field(default=ROOT / "var")
    session_idle_minutes: int = 60
    session_absolute_hours: int = 12
    signin_link_minutes: int = 15
    job_max_retries: int = 5
    # A running job renews its lease every quarter of this; a job whose worker died, or
    # whose broker message was lost, is published again this long after (by any worker).
    job_lease_seconds: int = 45
    # Reverse proxies whose X-Forwarded-For is believed (none by default): see
    # docs/operations.md. Anyone else's header is ignored, so it cannot dodge rate limits.
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # The legal basis of the generative pacts, as the program's DPO confirmed it (one of
    # PACT_LEGAL_BASES); "" until then, and production opens no pact (docs/pacts.md).
    pacts_legal_basis: str = ""

    @property
    def is_development(self) -> bool:
        return self.environment == "development"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def db_engine(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite") else "postgres"

    @property
    def sqlite_path(self) -> str:
        return self.database_url.split("://", 1)[1]

    @property
    def broker_kind(self) -> str:
        scheme = urlsplit(self.broker_url).scheme or self.broker_url
        return {"rediss": "redis", "amqps": "amqp"}.get(scheme, scheme)

    @property
    def secure_cookies(self) -> bool:
        return not self.is_development and self.base_url.startswith("https://")


def _env(source: dict[str, str | None]) -> dict[str, str]:
    return {k: v for k, v in source.items() if v is not None}


def _scheme(name: str, value: str, allowed: tuple[str, ...]) -> str:
    scheme = urlsplit(value).scheme if "://" in value else value
    if scheme not in allowed:
        raise ConfigError(
            f"{name}: unknown scheme '{scheme}' in '{value}'; use one of: {', '.join(allowed)}"
        )
    if "://" in value and scheme not in ("sqlite", "dev", "embedded"):
        try:
            urlsplit(value).port  # noqa: B018  (parsing it is the check)
        except ValueError:
            raise ConfigError(f"{name}: '{value}' is not a valid address; write it as "
                              f"{scheme}://user:password@host:port/...") from None
    return value


def _int(name: str, value: str, minimum: int = 1) -> int:
    try:
        number = int(value)
    except ValueError:
        raise ConfigError(f"{name}: '{value}' is not a whole number") from None
    if number < minimum:
        raise ConfigError(f"{name}: {number} is too small (at least {minimum})")
    return number


def _secret(env: dict[str, str], environment: str, var_dir: Path) -> str:
    secret = env.get("SECRET_KEY", "")
    if secret:
        if len(secret) < 32:
            raise ConfigError("SECRET_KEY: too short; use at least 32 random characters")
        return secret
    if environment == "production":
        raise ConfigError("SECRET_KEY: required in production (at least 32 random characters)")
    key_file = var_dir / "secret_key"
    if not key_file.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _networks(name: str, value: str) -> tuple[IPv4Network | IPv6Network, ...]:
    try:
        return tuple(ip_network(part.strip(), strict=False)
                     for part in value.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"{name}: '{value}' is not a comma-separated list of IP addresses "
                          "or networks, like 10.0.0.1,192.168.0.0/24") from None


def _ballot_keys(env: dict[str, str], environment: str) -> tuple[bytes, ...]:
    """BALLOT_KEY: keys of 32 random bytes in base64, comma-separated, newest first."""
    text = env.get("BALLOT_KEY", "")
    if not text:
        if environment == "production":
            raise ConfigError("BALLOT_KEY: required in production (32 random bytes in base64, "
                              "for example from: openssl rand -base64 32)")
        return ()
    keys = []
    for number, part in enumerate(text.split(","), start=1):
        standard = part.strip().rstrip("=").replace("-", "+").replace("_", "/")
        try:  # the usual alphabet or the URL-safe one, padded or not
            key = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise ConfigError(f"BALLOT_KEY: key {number} is not 32 bytes in base64 "
                              "(openssl rand -base64 32 makes one)")
        keys.append(key)
    return tuple(keys)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Build settings from `environ` (default: .env overlaid by the process environment)."""
    if environ is None:
        environ = {**_env(dotenv_values(ROOT / ".env")), **os.environ}
    env = {k.upper(): v.strip() for k, v in environ.items()}
    environment = env.get("LEGAMI_ENV", "development")
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"LEGAMI_ENV: unknown value '{environment}'; use one of: "
                          + ", ".join(ENVIRONMENTS))
    var_dir = Path(env.get("VAR_DIR", str(ROOT / "var")))
    database_url = env.get("DATABASE_URL") or f"sqlite://{var_dir / 'legami.sqlite3'}"
    language = env.get("LANGUAGE", "it") or "it"
    if language not in LANGUAGES:
        raise ConfigError(f"LANGUAGE: '{language}' is not available; use one of: it, en")
    base_url = env.get("BASE_URL", "") or f"http://127.0.0.1:{env.get('PORT', '8000')}"
    if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).netloc:
        raise ConfigError(f"BASE_URL: '{base_url}' is not an http:// or https:// address")
    smtp_url = env.get("SMTP_URL", "") or "dev"
    if environment == "production" and smtp_url == "dev":
        raise ConfigError("SMTP_URL: required in production (smtp://user:password@host:port)")
    return Settings(
        environment=environment,
        database_url=_scheme("DATABASE_URL", database_url, DB_SCHEMES),
        broker_url=_scheme("BROKER_URL", env.get("BROKER_URL", "") or "embedded",
                           BROKER_SCHEMES),
        smtp_url=_scheme("SMTP_URL", smtp_url, SMTP_SCHEMES),
        mail_from=env.get("MAIL_FROM", "") or Settings.mail_from,
        base_url=base_url.rstrip("/"),
        secret_key=_secret(env, environment, var_dir),
        ballot_keys=_ballot_keys(env, environment),
        language=language,
        port=_int("PORT", env.get("PORT", "8000")),
        var_dir=var_dir,
        session_idle_minutes=_int("SESSION_IDLE_MINUTES", env.get("SESSION_IDLE_MINUTES", "60")),
        session_absolute_hours=_int("SESSION_ABSOLUTE_HOURS",
                                    env.get("SESSION_ABSOLUTE_HOURS", "12")),
        job_max_retries=_int("JOB_MAX_RETRIES", env.get("JOB_MAX_RETRIES", "5"), minimum=0),
        job_lease_seconds=_int("JOB_LEASE_SECONDS", env.get("JOB_LEASE_SECONDS", "45"),
                               minimum=2),
        trusted_proxies=_networks("TRUSTED_PROXIES", env.get("TRUSTED_PROXIES", "")),
        pacts_legal_basis=_legal_basis(env.get("PACTS_LEGAL_BASIS", "")),
    )


PACT_LEGAL_BASES = ("consent", "public_task", "social_care")


def _legal_basis(value: str) -> str:
    if value and value not in PACT_LEGAL_BASES:
        raise ConfigError(f"PACTS_LEGAL_BASIS: unknown value '{value}'; use one of: "
                          + ", ".join(PACT_LEGAL_BASES) + " (as the program's DPO confirmed)")
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
