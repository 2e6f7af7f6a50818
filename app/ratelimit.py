"""Fixed-window rate limits kept in the database, so every web process shares them."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from app.clock import now
from app.db import transaction
from app.tables import RateLimitBucket

UPSERT = (
    "INSERT INTO rate_limits (bucket, hits, expires_at) VALUES ({}, 1, {}) "
    "ON CONFLICT (bucket) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits"
)


def bucket(key: str, window_seconds: int, moment: datetime | None = None) -> str:
    """The row that counts `key`'s hits in the window holding `moment` (now by default)."""
    window = int((moment or now()).timestamp()) // window_seconds
    return f"{key}:{window}"[:200]


async def allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; False once more than `limit` hits fall in the current window."""
    moment = now()
    async with transaction():
        rows = await RateLimitBucket.raw(
            UPSERT, bucket(key, window_seconds, moment), moment + timedelta(seconds=window_seconds)
        )
    if random.random() < 0.01:  # housekeeping, not security
        await RateLimitBucket.delete().where(RateLimitBucket.expires_at < moment)
    return int(rows[0]["hits"]) <= limit


async def hits(key: str, window_seconds: int) -> int:
    """The hits counted on `key` in the current window, without counting one."""
    row = await RateLimitBucket.select(RateLimitBucket.hits).where(
        RateLimitBucket.bucket == bucket(key, window_seconds)).first()
    return int(row["hits"]) if row else 0
