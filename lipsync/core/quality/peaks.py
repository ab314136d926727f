"""Peaks of a 1-D signal, as ``scipy.signal.find_peaks`` finds them, in numpy alone.

The preflight counts syllables as energy peaks; importing ``scipy.signal`` for that one
function (it pulls in ``scipy.stats``) cost about a second of CPU at every start of
``lipsync-filter`` and ``lipsync sync``. :func:`find_peaks` gives the same indices as
SciPy's for the two conditions used here, ``distance`` and ``prominence`` (tested against it):
local maxima (a flat top counts once, at its middle, rounded down), thinned by distance from
the highest down, then kept when their prominence reaches the minimum.
"""

from __future__ import annotations

import math

import numpy as np

_SEARCH = 64  # samples looked at first on each side of a peak for a higher sample


def find_peaks(
    x: np.ndarray, *, distance: float | None = None, prominence: float | None = None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(peaks, properties)``: ``intp (P,)`` indices of the peaks of ``x`` (``(n,)``, any
    real dtype) at least ``distance`` samples apart and with a prominence of at least
    ``prominence``, in increasing order; ``properties`` holds ``"prominences"`` when
    ``prominence`` is given (SciPy's signature for these two arguments)."""
    x = np.asarray(x, np.float64).reshape(-1)
    if distance is not None and distance < 1:
        raise ValueError("`distance` must be greater or equal to 1")
    peaks = local_maxima(x)
    if distance is not None:
        peaks = peaks[_by_distance(peaks, x[peaks], distance)]
    properties: dict[str, np.ndarray] = {}
    if prominence is not None:
        prominences = peak_prominences(x, peaks)
        keep = prominences >= prominence
        peaks = peaks[keep]
        properties["prominences"] = prominences[keep]
    return peaks, properties


def local_maxima(x: np.ndarray) -> np.ndarray:
    """``intp``: samples higher than both neighbours; a run of equal samples higher than the
    samples on either side counts once, at its middle (rounded down). The first and last
    samples are never peaks."""
    n = x.shape[0]
    if n < 3:
        return np.zeros(0, np.intp)
    starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])  # runs of equal samples
    ends = np.r_[starts[1:] - 1, n - 1]
    values = x[starts]
    rising = np.r_[False, values[:-1] < values[1:]]
    falling = np.r_[values[1:] < values[:-1], False]
    peak = rising & falling & (starts >= 1) & (ends <= n - 2)
    return ((starts[peak] + ends[peak]) // 2).astype(np.intp)


def _by_distance(peaks: np.ndarray, heights: np.ndarray, distance: float) -> np.ndarray:
    """``bool``: the peaks kept when, from the highest down, each removes the lower ones
    closer than ``distance`` samples."""
    keep = np.ones(peaks.shape[0], bool)
    gap = math.ceil(distance)
    order = np.argsort(heights)  # SciPy's order, ties included
    for j in order[::-1]:
        if not keep[j]:
            continue
        k = j - 1
        while k >= 0 and peaks[j] - peaks[k] < gap:
            keep[k] = False
            k -= 1
        k = j + 1
        while k < peaks.shape[0] and peaks[k] - peaks[j] < gap:
            keep[k] = False
            k += 1
    return keep


def peak_prominences(x: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """``float64``: each peak's height above the higher of the lowest samples between it and
    the nearest higher sample on each side (or the signal's end)."""
    out = np.empty(peaks.shape[0], np.float64)
    for i, p in enumerate(peaks.tolist()):
        v = x[p]
        lo = _reach(x, p, v, -1)
        hi = _reach(x, p, v, +1)
        out[i] = v - max(x[lo : p + 1].min(), x[p : hi + 1].min())
    return out


def _reach(x: np.ndarray, p: int, v: float, step: int) -> int:
    """The farthest index from ``p`` in direction ``step`` before a sample that is not
    ``<= v`` (a higher one, or NaN), or the signal's end."""
    n = x.shape[0]
    span = _SEARCH
    while True:
        if step < 0:
            start = max(0, p - span)
            above = np.flatnonzero(~(x[start:p] <= v))
            if above.size:
                return start + int(above[-1]) + 1
            if start == 0:
                return 0
        else:
            stop = min(n, p + 1 + span)
            above = np.flatnonzero(~(x[p + 1 : stop] <= v))
            if above.size:
                return p + int(above[0])
            if stop == n:
                return n - 1
        span *= 4
