"""Progress bars for long operations: rich, on stderr, only when stderr is a terminal.

The library reports progress through a plain callback ``on_progress(done, total)``; this module
turns that into a bar, so the library itself never prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from lipsync.cli.context import CliContext

ProgressCallback = Callable[[int, "int | None"], None]


def _noop(done: int, total: int | None) -> None:
    return None


@contextmanager
def progress(ctx: CliContext, description: str) -> Iterator[ProgressCallback]:
    """Yield an ``on_progress(done, total)`` callback that drives a bar (or does nothing).

    ``total`` may be ``None`` when unknown; the bar then shows a count and a spinner.
    """
    if not ctx.show_progress:
        yield _noop
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(file=ctx.stderr)
    columns = (
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update
