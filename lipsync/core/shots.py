"""Hard cuts between shots, found from the pictures alone (pure: numpy in, numbers out).

A frame starts a new shot when its small grey copy differs from the previous frame's by at
least :data:`CUT_DIFF` grey levels on average *and* by :data:`CUT_RATIO` times the typical
change of the :data:`TYPICAL_FRAMES` frames before it (so a fast pan or a shaky camera, whose
every frame changes a lot, is not cut up), *and* its structure changed (:func:`structure`: the
copies compared after taking away each one's own brightness and contrast differ by at least
:data:`CUT_STRUCTURE`; so a photographer's flash or an exposure step is no cut), at least
:data:`MIN_SHOT_FRAMES` after the last cut (a dissolve is one change, not several).

Measured on the seven real clips of ``../shared/real-clips`` (no cut in any): the structural
change between consecutive frames is at most 0.25 (a young man gesturing), 0.005-0.03 typically;
a cut from one speaker to another framed alike 1.36, one picture and its mirror image 0.67; the
same picture brightened as by a flash 0.17 (grey change 77), darkened by a quarter 0.10 (52).

The face tracker follows faces within a shot and starts afresh at a cut (new ids), so a face
in the next shot never inherits the last shot's landmarks, smoothing or mouth samples, even
where it sits in the same place; the run report cuts its per-shot figures at the same frames.
"""

from __future__ import annotations

from collections import deque

import cv2
import numpy as np

CUT_DIFF = 30.0  # mean absolute grey difference 0..255 from which a change can be a cut
CUT_RATIO = 4.0  # ... and that is this many times the typical change between frames
TYPICAL_FRAMES = 12  # frames before a change whose median change is "typical"
MIN_SHOT_FRAMES = 5  # frames; a change sooner after a cut is part of it (a dissolve)
CUT_STRUCTURE = 0.4  # structural change (see structure) from which a change can be a cut
CUT_SIZE = (64, 36)  # px (width, height); frames are compared at this size
_SAMPLES_PER_SIDE = 72  # about this many pixels read along the shorter side (see thumbnail)


def thumbnail(image: np.ndarray) -> np.ndarray:
    """``float32 (36, 64)`` grey copy of an RGB ``uint8 (H, W, 3)`` frame for comparing
    frames. Every n-th pixel is read (about :data:`_SAMPLES_PER_SIDE` along the shorter side),
    then averaged down by area: 0.1-0.2 ms a frame at any size, where converting and
    shrinking every pixel of a 1080p frame takes 1.9 ms; each value still averages several
    pixels, so grain and noise stay far below :data:`CUT_DIFF`."""
    step = max(1, min(image.shape[0], image.shape[1]) // _SAMPLES_PER_SIDE)
    sampled = np.ascontiguousarray(image[::step, ::step])
    grey = cv2.cvtColor(sampled, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, CUT_SIZE, interpolation=cv2.INTER_AREA).astype(np.float32)


def change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails (grey levels 0..255)."""
    return float(np.abs(a - b).mean())


def structure(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails each brought to mean 0 and standard
    deviation 1 (at least 4 grey levels, so a flat picture's noise is not blown up): what
    changed besides brightness and contrast."""

    def normal(t: np.ndarray) -> np.ndarray:
        return (t - t.mean()) / max(float(t.std()), 4.0)

    return float(np.abs(normal(a) - normal(b)).mean())


class CutRule:
    """The cut rule over a stream of changes, one frame at a time (see the module)."""

    def __init__(self) -> None:
        self._recent: deque[float] = deque(maxlen=TYPICAL_FRAMES)
        self._since_cut: int | None = None  # frames since the last cut; None before any

    def step(self, value: float, restructured: float = np.inf) -> bool:
        """Whether the frame whose :func:`change` from the one before is ``value`` and whose
        :func:`structure` change is ``restructured`` (unknown: any) starts a shot."""
        typical = float(np.median(self._recent)) if self._recent else 0.0
        jump = value >= CUT_DIFF and value >= CUT_RATIO * max(typical, 1.0)
        jump = jump and restructured >= CUT_STRUCTURE
        cut = jump and (self._since_cut is None or self._since_cut >= MIN_SHOT_FRAMES)
        self._recent.append(value)
        if cut:
            self._since_cut = 0
        if self._since_cut is not None:
            self._since_cut += 1
        return cut


def find_cuts(changes: np.ndarray, structures: np.ndarray | None = None) -> list[int]:
    """Frame indices that start a new shot, from ``changes`` (``float (N,)``: each frame's
    :func:`change` from the one before; the first value is ignored) and ``structures`` (the
    same for :func:`structure`; None: not looked at)."""
    rule = CutRule()
    return [
        i
        for i in range(1, len(changes))
        if rule.step(float(changes[i]), np.inf if structures is None else float(structures[i]))
    ]


class CutDetector:
    """Finds cuts as frames arrive: :meth:`starts_shot` on each frame in order."""

    def __init__(self) -> None:
        self._previous: np.ndarray | None = None
        self._rule = CutRule()

    def starts_shot(self, image: np.ndarray) -> bool:
        """Whether RGB ``image`` starts a new shot (never the first frame)."""
        small = thumbnail(image)
        previous, self._previous = self._previous, small
        if previous is None:
            return False
        return self._rule.step(change(small, previous), structure(small, previous))
