"""The One Euro filter: the values of its vector formulation (Casiez et al.), whatever the
shape of the values, and the pass-through cases."""

from __future__ import annotations

import math

import numpy as np

from lipsync.core.face.smoothing import OneEuro, SmoothingOptions


class VectorOneEuro:
    """The filter written with numpy vectors throughout (the reference)."""

    def __init__(self, options: SmoothingOptions) -> None:
        self.options = options
        self.value: np.ndarray | None = None
        self.speed: np.ndarray | None = None

    def __call__(self, value: np.ndarray, dt: float) -> np.ndarray:
        x = np.asarray(value, dtype=np.float64)
        o = self.options
        if not o.enabled or self.value is None or dt <= 0:
            self.value, self.speed = x.copy(), np.zeros_like(x)
            return x
        a_d = 1.0 / (1.0 + (1.0 / (2 * math.pi * o.d_cutoff)) / dt)
        self.speed = a_d * ((x - self.value) / dt) + (1 - a_d) * self.speed
        cutoff = o.min_cutoff + o.beta * np.abs(self.speed)
        a = 1.0 / (1.0 + (1.0 / (2 * np.pi * cutoff)) / dt)
        self.value = a * x + (1 - a) * self.value
        return self.value.copy()


def test_the_values_of_the_vector_formulation():
    rng = np.random.default_rng(11)
    settings = [
        SmoothingOptions(),
        SmoothingOptions(min_cutoff=0.3, beta=0.7),
        SmoothingOptions(beta=0.0, d_cutoff=5.0),
        SmoothingOptions(enabled=False),
    ]
    for options in settings:
        for shape in [(4,), (3,), (2, 3)]:
            ours, reference = OneEuro(options), VectorOneEuro(options)
            value = rng.normal(0, 100, shape)
            for step in range(400):
                value = value + rng.normal(0, [0.01, 1.0, 50.0][step % 3], shape)
                dt = [0.04, 1 / 30, 0.5, 1e-4, 0.0][step % 5]  # 0: starts again
                got, want = ours(value, dt), reference(value, dt)
                assert got.shape == want.shape and got.dtype == np.float64
                assert got.tobytes() == want.tobytes(), (options, shape, step)


def test_still_values_stay_and_a_step_is_followed_gradually():
    smooth = OneEuro()
    first = smooth(np.array([10.0, 20.0]), 0.04)
    assert first.tolist() == [10.0, 20.0]
    assert smooth(np.array([10.0, 20.0]), 0.04).tolist() == [10.0, 20.0]
    moved = [smooth(np.array([30.0, 20.0]), 0.04)[0] for _ in range(50)]
    assert 10.0 < moved[0] < moved[5] < moved[-1] <= 30.0
    assert moved[-1] > 29.0
