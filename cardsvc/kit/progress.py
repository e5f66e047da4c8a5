"""How long work tells its caller how far it has got, without knowing who shows it.

A service that may run for a while takes an optional ``on_progress(done, total)``
callback (``total`` is None while unknown) and calls it as it goes; the command line
draws a progress bar with it, tests and the API pass nothing. Services stay free of
presentation: no printing, no terminal, no library of the command line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

OnProgress = Callable[[int, int | None], None]

T = TypeVar("T")

# How often an iterated report is made: a bar needs a few updates a second, not one a row.
EVERY = 1000


def reported(
    items: Iterable[T], on_progress: OnProgress | None, total: int | None, *, every: int = EVERY
) -> Iterator[T]:
    """``items`` unchanged, calling ``on_progress(done, total)`` every ``every`` items and
    once when they are exhausted."""
    if on_progress is None:
        yield from items
        return
    done = 0
    for done, item in enumerate(items, 1):
        yield item
        if done % every == 0:
            on_progress(done, total)
    on_progress(done, total)
