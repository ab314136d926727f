"""The acceptance measures themselves, on tracks built by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lipsync.core.speech.scoring import bilabial_recall, closure_precision, open_correlation
from lipsync.core.types import MOUTH_PARAMS, MouthTrack, PhoneSegment

FPS = 25.0
TRUTH = (
    PhoneSegment("a", 0.0, 0.2),
    PhoneSegment("m", 0.2, 0.28),
    PhoneSegment("a", 0.28, 0.6),
    PhoneSegment("p", 0.6, 0.64),
    PhoneSegment("a", 0.64, 1.0),
)


def _track(closed_frames: list[int], open_values: np.ndarray | None = None) -> MouthTrack:
    times = np.arange(25) / FPS
    values = np.zeros((25, len(MOUTH_PARAMS)), dtype=np.float32)
    values[closed_frames, MOUTH_PARAMS.index("closure")] = 1.0
    if open_values is not None:
        values[:, MOUTH_PARAMS.index("open")] = open_values
    return MouthTrack(FPS, times, values)


def test_closures_on_time_are_all_found_and_all_real():
    track = _track([6, 15])  # 0.24 s inside the /m/, 0.60 s at the /p/
    assert bilabial_recall(track, TRUTH) == 1.0
    assert closure_precision(track, TRUTH) == 1.0


def test_one_frame_early_still_counts_two_frames_do_not():
    assert bilabial_recall(_track([14]), TRUTH) == 0.5  # 0.56 s: one frame before the /p/
    assert bilabial_recall(_track([13]), TRUTH) == 0.0  # 0.52 s: two frames before
    assert closure_precision(_track([13, 15]), TRUTH) == 0.5


def test_nothing_closed_or_nothing_to_find():
    assert closure_precision(_track([]), TRUTH) == 0.0
    assert math.isnan(bilabial_recall(_track([6]), (PhoneSegment("a", 0.0, 1.0),)))


def test_open_correlation_compares_common_frames():
    wave = np.sin(np.arange(25) / 3.0).astype(np.float32)
    assert open_correlation(_track([], wave), _track([], 2 * wave + 1)) == pytest.approx(1.0)
    assert open_correlation(_track([], wave), _track([], -wave)) == pytest.approx(-1.0)
