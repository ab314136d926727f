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
TWO_PI = 2 * math.pi  # rad per cycle (cut-off frequency -> time constant)


@dataclass(frozen=True)
class SmoothingOptions:
    """One Euro parameters; ``enabled=False`` passes values through."""

    enabled: bool = True
    min_cutoff: float = DEFAULT_MIN_CUTOFF
    beta: float = DEFAULT_BETA
    d_cutoff: float = DEFAULT_D_CUTOFF


def _alpha(cutoff: float, dt: float) -> float:
    tau = 1.0 / (TWO_PI * cutoff)
    return 1.0 / (1.0 + tau / dt)


class OneEuro:
    """One Euro filter over a vector of values sampled every ``dt`` seconds."""

    def __init__(self, options: SmoothingOptions | None = None) -> None:
        self.options = options or SmoothingOptions()
        # the filter's state as Python floats (a handful of values: numpy's per-call cost
        # would be most of the time), flattened; the shape of the first value
        self._value: list[float] | None = None
        self._speed: list[float] = []
        self._shape: tuple[int, ...] = ()

    def __call__(self, value: np.ndarray, dt: float) -> np.ndarray:
        """Filter ``value`` (any shape, float) observed ``dt`` s after the previous one."""
        x = np.asarray(value, dtype=np.float64)
        opts = self.options
        if not opts.enabled or self._value is None or dt <= 0:
            self._value = x.ravel().tolist()
            self._speed = [0.0] * x.size
            self._shape = x.shape
            return x
        a_d = _alpha(opts.d_cutoff, dt)
        keep_d = 1 - a_d
        value_out: list[float] = []
        speed_out: list[float] = []
        # elementwise, the float64 operations of the vector form in its order:
        # speed' = a_d (x - v) / dt + (1 - a_d) speed; a = alpha(min_cutoff + beta |speed'|)
        for xi, vi, si in zip(x.ravel().tolist(), self._value, self._speed, strict=True):
            speed = a_d * ((xi - vi) / dt) + keep_d * si
            cutoff = opts.min_cutoff + opts.beta * abs(speed)
            tau = 1.0 / (TWO_PI * cutoff)
            a = 1.0 / (1.0 + tau / dt)
            value_out.append(a * xi + (1 - a) * vi)
            speed_out.append(speed)
        self._value, self._speed = value_out, speed_out
        return np.array(value_out).reshape(self._shape)
