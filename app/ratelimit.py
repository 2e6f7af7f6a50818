"""Fixed-window rate limits kept in the database, so every web process shares them."""

from __future__ import annotations

import random
from datetime import timedelta

from app.clock import now
from app.db import transaction
from app.tables import RateLimitBucket

UPSERT = (
    "INSERT INTO rate_limits (bucket, hits, expires_at) VALUES ({}, 1, {}) "
    "ON CONFLICT (bucket) DO UPDATE SET hits = rate_limits.hits + 1 RETURNING hits"
)


async def allow(key: str, limit: int, window_seconds: int) -> bool:
    """Count one hit on `key`; False once more than `limit` hits fall in the current window."""
    moment = now()
    window = int(moment.timestamp()) // window_seconds
    bucket = f"{key}:{window}"[:200]
    async with transaction():
        rows = await RateLimitBucket.raw(
            UPSERT, bucket, moment + timedelta(seconds=window_seconds)
        )
    if random.random() < 0.01:  # housekeeping, not security
        await RateLimitBucket.delete().where(RateLimitBucket.expires_at < moment)
    return int(rows[0]["hits"]) <= limit
