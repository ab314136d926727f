"""Smoothing of rigid per-face quantities (the face box, the pose): the One Euro filter.

Never applied to lip points, which must follow real motion. The One Euro filter (Casiez,
Roussel and Vogel, CHI 2012) is a low-pass whose cut-off rises with speed: still faces do not
shake, moving faces do not lag.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DEFAULT_MIN_CUTOFF = 1.0  # Hz at rest; lower = steadier
DEFAULT_BETA = 0.05  # cut-off increase per (unit/s) of speed; higher = less lag
DEFAULT_D_CUTOFF = 1.0  # Hz, for the speed estimate


@dataclass(frozen=True)
class SmoothingOptions:
    """One Euro parameters; ``enabled=False`` passes values through."""

    enabled: bool = True
    min_cutoff: float = DEFAULT_MIN_CUTOFF
    beta: float = DEFAULT_BETA
    d_cutoff: float = DEFAULT_D_CUTOFF


def _alpha(cutoff: float, dt: float) -> float:
    tau = 1.0 / (2 * math.pi * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuro:
    """One Euro filter over a vector of values sampled every ``dt`` seconds."""

    def __init__(self, options: SmoothingOptions | None = None) -> None:
        self.options = options or SmoothingOptions()
        self._value: np.ndarray | None = None
        self._speed: np.ndarray | None = None

    def __call__(self, value: np.ndarray, dt: float) -> np.ndarray:
        """Filter ``value`` (any shape, float) observed ``dt`` s after the previous one."""
        x = np.asarray(value, dtype=np.float64)
        opts = self.options
        if not opts.enabled or self._value is None or dt <= 0:
            self._value = x.copy()
            self._speed = np.zeros_like(x)
            return x
        speed = (x - self._value) / dt
        a_d = _alpha(opts.d_cutoff, dt)
        assert self._speed is not None
        self._speed = a_d * speed + (1 - a_d) * self._speed
        cutoff = opts.min_cutoff + opts.beta * np.abs(self._speed)
        tau = 1.0 / (2 * np.pi * cutoff)
        a = 1.0 / (1.0 + tau / dt)
        self._value = a * x + (1 - a) * self._value
        return self._value.copy()
