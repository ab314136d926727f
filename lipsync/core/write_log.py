"""What a command has written so far, so that an interrupted run can say exactly what it left.

:func:`lipsync.core.media.atomic.atomic_output` records each output it puts in place; the
output guard records the outputs a command means to write. Standard library only: the CLI
imports it before any command runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path


@dataclass
class WriteLog:
    """The outputs a command means to write (``planned``) and those now in place
    (``written``), in order."""

    planned: list[Path] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


_LOGS: list[WriteLog] = []  # the active logs; appended to from any thread


@contextmanager
def record_writes() -> Iterator[WriteLog]:
    """Record, while the block runs, every output put in place (:func:`written`) and every
    output announced (:func:`plan_outputs`)."""
    log = WriteLog()
    _LOGS.append(log)
    try:
        yield log
    finally:
        _LOGS.remove(log)


def plan_outputs(paths: Iterable[str | PathLike[str]]) -> None:
    """Announce the outputs the running command means to write."""
    for log in list(_LOGS):
        log.planned.extend(p for p in map(Path, paths) if p not in log.planned)


def written(path: str | PathLike[str]) -> None:
    """Record that the output ``path`` is complete and in place."""
    for log in list(_LOGS):
        log.written.append(Path(path))
