"""A drawn picture's fine detail brought down to the footage's: never crisper than it.

A mouth drawn from another moment of the footage (an exemplar sample, kept because it was the
sharpest of its shape) can be crisper than the footage around it (soft, defocused or
motion-blurred moments): it reads as pasted, and the mouth measured 1.13-1.17 of the
footage's sharpness on such clips. :func:`soften` blurs it, Gaussian, with the sigma that
lowers its detail energy (the mean square of the Laplacian of its luma, the measure behind the
"variance of the Laplacian" sharpness) by a given factor. Nothing is ever sharpened (that
would raise noise, not detail).
"""

from __future__ import annotations

import cv2
import numpy as np

#: px; the strongest blur applied
MAX_SIGMA = 2.5
#: px; the blurs tried, in turn (the sigma is interpolated between two of them)
SIGMAS = (0.3, 0.4, 0.5, 0.65, 0.8, 1.0, 1.3, 1.7, 2.1, MAX_SIGMA)
#: excess sharpness (a ratio of detail energies) left as it is (no blur for what is noise);
#: beyond it, the excess is brought down to it
TOLERANCE = 1.05
#: luma weights (ITU-R BT.601, as cv2.COLOR_RGB2GRAY)
LUMA = np.array([0.299, 0.587, 0.114], np.float32)


def detail_energy(image: np.ndarray, mask: np.ndarray) -> float:
    """The mean square of the Laplacian of ``image``'s luma (``(h, w, 3)`` RGB, uint8 or
    float, 0..255) over ``mask`` (``bool (h, w)``); 0 for an empty mask."""
    return _energy(_luma(image), mask)


def soften(top: np.ndarray, mask: np.ndarray, excess: float) -> tuple[np.ndarray, float]:
    """``top`` (``float32 (h, w, 3)`` RGB, 0..255), ``excess`` times as sharp as it should be
    (a ratio of :func:`detail_energy`), blurred so that its energy over ``mask`` (``bool (h,
    w)``) is ``TOLERANCE`` times what it should be, and the Gaussian sigma used (px; 0: ``top``
    returned as it is, when ``excess`` is at most ``TOLERANCE`` or the mask is empty or flat).
    Within the tolerance nothing changes, beyond it the excess is brought to its edge (no
    jump at the edge). The sigma is interpolated between two of ``SIGMAS`` (each tried on the
    luma, in turn), at most ``MAX_SIGMA``."""
    if not excess > TOLERANCE or not mask.any():
        return top, 0.0
    grey = _luma(top)
    have = _energy(grey, mask)
    if have <= 0.0:
        return top, 0.0
    cut = excess / TOLERANCE
    want = have / cut
    # up the ladder of sigmas until the energy falls below the aim, then the sigma between
    # the last two steps where log E (which falls smoothly with sigma) meets the aim
    below, log_below = 0.0, float(np.log(cut))  # log (E / want) at the step below
    sigma = MAX_SIGMA
    for step in SIGMAS:
        miss = float(np.log(max(_energy(cv2.GaussianBlur(grey, (0, 0), step), mask), 1e-12) / want))
        if miss <= 0.0:
            sigma = below + (step - below) * log_below / (log_below - miss)
            break
        below, log_below = step, miss
    return cv2.GaussianBlur(np.ascontiguousarray(top, np.float32), (0, 0), sigma), sigma


def _luma(image: np.ndarray) -> np.ndarray:
    """``float32 (h, w)``: the luma of RGB ``image`` ``(h, w, 3)``."""
    return np.ascontiguousarray(image, np.float32) @ LUMA


def _energy(grey: np.ndarray, mask: np.ndarray) -> float:
    if not mask.any():
        return 0.0
    return float(np.mean(np.square(cv2.Laplacian(grey, cv2.CV_32F)[mask])))
