"""Mouth aperture of a tracked face, and how well a series follows another (pure numpy)."""

from __future__ import annotations

import numpy as np

from lipsync.core.types import INNER_LIP_LOWER_MID, INNER_LIP_UPPER_MID, FaceObservation


def mouth_aperture(face: FaceObservation) -> float:
    """Inner-lip opening (upper to lower inner midpoint) in units of the inter-ocular
    distance, so it does not depend on the face's size in frame."""
    inner = np.asarray(face.landmarks["inner_lip"], np.float32)
    gap = float(np.linalg.norm(inner[INNER_LIP_LOWER_MID] - inner[INNER_LIP_UPPER_MID]))
    return gap / max(face.inter_ocular, 1e-6)


def best_lag_correlation(
    measured: np.ndarray, expected: np.ndarray, max_lag: int = 5
) -> tuple[float, int]:
    """Pearson r between ``measured`` and ``expected`` (``float (N,)``, NaN = no value) at the
    lag in frames (-max_lag..max_lag) that maximises it; positive lag: measured is late.

    Returns ``(r, lag)``; ``(nan, 0)`` when fewer than 3 frames overlap at every lag.
    """
    a = np.asarray(measured, np.float64)
    b = np.asarray(expected, np.float64)
    best = (float("nan"), 0)
    for lag in range(-max_lag, max_lag + 1):
        x, y = (a[lag:], b[: len(b) - lag]) if lag >= 0 else (a[:lag], b[-lag:])
        n = min(len(x), len(y))
        x, y = x[:n], y[:n]
        ok = np.isfinite(x) & np.isfinite(y)
        if ok.sum() < 3 or np.std(x[ok]) == 0 or np.std(y[ok]) == 0:
            continue
        r = float(np.corrcoef(x[ok], y[ok])[0, 1])
        if not np.isfinite(best[0]) or r > best[0]:
            best = (r, lag)
    return best
