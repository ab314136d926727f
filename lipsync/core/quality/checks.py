"""One preflight check's verdict, and the time ranges it concerns (pure, no I/O).

Every check gives a :class:`Check`: ``pass``, ``warn`` or ``fail``, one line saying what was
measured, one line of advice, the stretches of the clip it concerns (seconds, and frames when
the frame rate is known) and the measured values, all JSON-ready.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PASS = "pass"
WARN = "warn"
FAIL = "fail"
STATUSES: tuple[str, ...] = (PASS, WARN, FAIL)  # in order of severity


@dataclass(frozen=True)
class TimeRange:
    """A stretch of the clip: ``start`` to ``end`` seconds from the first frame, and the
    first and last frame numbers it covers when the frame rate is known."""

    start: float
    end: float
    first_frame: int | None = None
    last_frame: int | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"start": round(self.start, 3), "end": round(self.end, 3)}
        if self.first_frame is not None:
            data["frames"] = [self.first_frame, self.last_frame]
        return data

    def __str__(self) -> str:
        text = f"{self.start:.1f}–{self.end:.1f} s"
        if self.first_frame is not None:
            text += f" (frames {self.first_frame}–{self.last_frame})"
        return text


@dataclass(frozen=True)
class Check:
    """The verdict of one check.

    ``name``: a stable identifier (``resolution``, ``speech`` …); ``title``: its human name;
    ``group``: ``video``, ``audio`` or ``timing``; ``status``: one of :data:`STATUSES`;
    ``message``: what was measured, one line; ``advice``: what to do, one line (empty on a
    pass); ``ranges``: where in the clip; ``values``: the measurements, JSON-ready.
    """

    name: str
    title: str
    group: str
    status: str
    message: str
    advice: str = ""
    ranges: tuple[TimeRange, ...] = ()
    values: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"Check status {self.status!r} is not one of {STATUSES}.")

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "group": self.group,
            "status": self.status,
            "message": self.message,
            "advice": self.advice,
            "ranges": [r.to_json() for r in self.ranges],
            "values": {k: _jsonable(v) for k, v in self.values.items()},
        }

    def describe_ranges(self, limit: int = 4) -> str:
        """The first ``limit`` ranges as text (``"0.0–1.2 s (frames 0–29), …"``)."""
        shown = ", ".join(str(r) for r in self.ranges[:limit])
        more = len(self.ranges) - limit
        return shown + (f" and {more} more" if more > 0 else "")


def summarise(checks: Iterable[Check]) -> str:
    """``"12 passed, 1 warning, 0 failed"``."""
    counts = {s: 0 for s in STATUSES}
    for c in checks:
        counts[c.status] += 1
    warn = "warning" if counts[WARN] == 1 else "warnings"
    return f"{counts[PASS]} passed, {counts[WARN]} {warn}, {counts[FAIL]} failed"


def worst(statuses: Iterable[str]) -> str:
    """The most severe of ``statuses`` (``pass`` for none)."""
    return max(statuses, key=STATUSES.index, default=PASS)


def grade(value: float, warn_at: float, fail_at: float, higher_is_worse: bool = True) -> str:
    """``pass``/``warn``/``fail`` for ``value`` against two thresholds (NaN passes)."""
    if not math.isfinite(value):
        return PASS
    sign = 1.0 if higher_is_worse else -1.0
    if sign * value >= sign * fail_at:
        return FAIL
    if sign * value >= sign * warn_at:
        return WARN
    return PASS


def ranges_from_mask(
    times: Sequence[float] | np.ndarray,
    mask: Sequence[bool] | np.ndarray,
    step: float,
    fps: float | None = None,
    merge_gap: float = 0.0,
    min_length: float = 0.0,
) -> tuple[TimeRange, ...]:
    """The runs of ``True`` in ``mask`` (``bool (N,)``) over sample ``times`` (``float (N,)``
    seconds), each reaching ``step`` seconds past its last sample; runs closer than
    ``merge_gap`` seconds are joined, runs shorter than ``min_length`` seconds dropped. Frame
    numbers come from ``fps`` (frames/s) if given."""
    t = np.asarray(times, np.float64)
    m = np.asarray(mask, bool)
    runs: list[list[float]] = []
    for i in np.flatnonzero(m):
        start, end = float(t[i]), float(t[i]) + step
        if runs and start - runs[-1][1] <= merge_gap + 1e-9:
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    return tuple(time_range(a, b, fps) for a, b in runs if b - a >= min_length - 1e-9)


def time_range(start: float, end: float, fps: float | None = None) -> TimeRange:
    """A :class:`TimeRange` with frame numbers at ``fps`` (frames/s) when given."""
    if fps is None or fps <= 0:
        return TimeRange(start, end)
    first = max(0, round(start * fps))
    last = max(first, math.ceil(end * fps - 1e-6) - 1)
    return TimeRange(start, end, first, last)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
