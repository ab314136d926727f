"""The progress callbacks of the library, defined once.

Long operations take an optional ``on_progress``: a :data:`ProgressCallback` called as
``on_progress(stage, done, total)``, with ``stage`` a short human name ("Rendering"),
``done`` the units finished and ``total`` the units expected (None when unknown). Inside one
stage, helpers take a :data:`CountCallback` ``on_progress(done, total)``; :func:`stage`
turns the first into the second. The library never prints: the doors turn these calls into
bars (the CLI), lines (the Resolve helper) or nothing.
"""

from __future__ import annotations

from collections.abc import Callable

ProgressCallback = Callable[[str, int, "int | None"], None]
CountCallback = Callable[[int, "int | None"], None]


def no_progress(*args: object) -> None:
    """A callback that ignores every report."""
    return None


def stage(on_progress: ProgressCallback | None, name: str) -> CountCallback:
    """``on_progress`` with its stage fixed to ``name`` (a no-op when it is None)."""
    if on_progress is None:
        return no_progress
    return lambda done, total: on_progress(name, done, total)
