"""Progress bars for long operations: rich, on stderr, only when stderr is a terminal.

The library reports progress through plain callbacks (:mod:`lipsync.core.progress`:
``on_progress(stage, done, total)``, or ``(done, total)`` inside one stage); this module turns
them into bars, so the library itself never prints.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from lipsync.cli.context import CliContext
from lipsync.core.progress import CountCallback, ProgressCallback


def _noop(*args: object) -> None:
    return None


@contextmanager
def staged_progress(ctx: CliContext) -> Iterator[ProgressCallback]:
    """Yield ``update(stage, done, total)``: one bar per stage, each appearing when its stage
    first reports. ``total`` may be ``None`` when unknown (a count and a spinner)."""
    if not ctx.show_progress:
        yield _noop
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(file=ctx.stderr), transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def update(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


@contextmanager
def progress(ctx: CliContext, description: str) -> Iterator[CountCallback]:
    """Yield ``on_progress(done, total)`` driving one bar named ``description``."""
    with staged_progress(ctx) as update:
        yield lambda done, total: update(description, done, total)
