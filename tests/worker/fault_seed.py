"""Seed a fault-suite database: an open wave mailing `n` people (run as a module).

`python -m tests.worker.fault_seed N` with DATABASE_URL set: the wave opens today, so
its mail job is in the outbox when this returns.
"""

from __future__ import annotations

import asyncio
import sys

from tests.surveys.waves.test_waves import add_person, make_world, open_new_wave


async def seed(people: int) -> None:
    world = await make_world()
    for number in range(people):
        await add_person(world.a, f"P{number}", f"persona{number}@rossi.example")
    await open_new_wave(world, channels=["mail"], reminder_days=[])


if __name__ == "__main__":
    asyncio.run(seed(int(sys.argv[1])))
