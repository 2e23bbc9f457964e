"""Waiting in tests: on the condition a test means, with a deadline and a message; never a bare sleep.

On a two-core machine shared with other work a step can take many times longer
than on a quiet one. A test that sleeps a fixed while and then asserts what must
have happened by then passes or fails by luck; one that waits for the condition
is as fast as the machine allows and, when the deadline passes, says what it
waited for and what there was instead.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable

POLL_SECONDS = 0.05


def wait_until(
    condition: Callable[[], object],
    timeout: float,
    what: str,
    state: Callable[[], str] | None = None,
    interval: float = POLL_SECONDS,
) -> float:
    """Seconds until `condition()` held; fails after `timeout` seconds naming `what` and, with
    `state`, what there was instead (read at the deadline)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(_timed_out(timeout, what, state() if state else None))
        time.sleep(interval)
    return time.monotonic() - started


async def eventually(
    condition: Callable[[], object | Awaitable[object]],
    timeout: float,
    what: str,
    state: Callable[[], str] | None = None,
    interval: float = POLL_SECONDS,
) -> float:
    """`wait_until` inside an event loop: `condition` may be a coroutine function, and the loop
    keeps running (the code under test runs on it) while the test waits."""
    started = time.monotonic()
    while True:
        held = condition()
        if inspect.isawaitable(held):
            held = await held
        if held:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise AssertionError(_timed_out(timeout, what, state() if state else None))
        await asyncio.sleep(interval)


def _timed_out(timeout: float, what: str, state: str | None) -> str:
    return f"waited {timeout:g} s for {what}" + (f"; instead:\n{state}" if state else "")
