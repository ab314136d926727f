"""How well a mouth track matches known phones: the measures of the speech acceptance criteria.

Used by the tests and ``bench/speech_accuracy.py`` against espeak-ng's own phoneme events, and
usable against any trusted timing (e.g. a forced alignment of a clean recording). Pure
computation: tracks and segments in, numbers out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from lipsync.core.speech.visemes import is_bilabial
from lipsync.core.types import MouthTrack, PhoneSegment

CLOSED = 0.5  # a frame with ``closure`` at least this shows closed lips


def _closed_times(track: MouthTrack) -> np.ndarray:
    return track.times[track.param("closure") >= CLOSED]


def _near(times: np.ndarray, seg: PhoneSegment, fps: float) -> np.ndarray:
    frame = 1.0 / fps + 1e-9
    return (times >= seg.start - frame) & (times <= seg.end + frame)


def bilabial_recall(track: MouthTrack, truth: Sequence[PhoneSegment]) -> float:
    """Share of the true /p b m/ in ``truth`` with a closed-lip frame within one frame of them
    (nan when ``truth`` has none)."""
    bilabials = [s for s in truth if is_bilabial(s.label)]
    if not bilabials:
        return float("nan")
    closed = _closed_times(track)
    return sum(bool(_near(closed, s, track.fps).any()) for s in bilabials) / len(bilabials)


def closure_precision(track: MouthTrack, truth: Sequence[PhoneSegment]) -> float:
    """Share of the track's closed-lip frames lying within one frame of a true /p b m/
    (0.0 when no frame is closed)."""
    closed = _closed_times(track)
    if closed.shape[0] == 0:
        return 0.0
    near = np.zeros(closed.shape[0], dtype=bool)
    for s in truth:
        if is_bilabial(s.label):
            near |= _near(closed, s, track.fps)
    return float(near.mean())


def open_correlation(track: MouthTrack, reference: MouthTrack) -> float:
    """Pearson r between two tracks' ``open`` on the same frame grid (their common frames)."""
    n = min(len(track), len(reference))
    return float(np.corrcoef(track.param("open")[:n], reference.param("open")[:n])[0, 1])
