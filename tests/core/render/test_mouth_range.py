"""The speaker's own width change as the mouth opens, learnt from their footage."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lipsync.core.render import parameters as P
from lipsync.core.render.mouth_model import target_shape
from lipsync.core.render.mouth_range import MouthRange, RangeCollector

OPEN = np.array([1.0, 0.0, 0.0, 0.0, 0.0, 0.0], np.float32)


def _learnt(gaps: np.ndarray, widths: np.ndarray) -> MouthRange:
    ranges = RangeCollector()
    for g, w in zip(gaps, widths, strict=True):
        ranges.add(float(g), float(w))
    return ranges.range()


def _speaker(slope: float, frames: int = 200, seed: int = 0) -> MouthRange:
    """A speaker whose width changes by ``slope`` per IO of gap (gaps 0-0.25 IO)."""
    rng = np.random.default_rng(seed)
    gaps = rng.uniform(0.0, 0.25, frames)
    return _learnt(gaps, 0.75 + slope * gaps + rng.normal(0.0, 0.005, frames))


@pytest.mark.parametrize("slope", [-0.4, 0.0, 0.45])
def test_the_slope_of_width_on_gap_is_learnt(slope):
    speaker = _speaker(slope)
    assert speaker.width_per_gap == pytest.approx(slope, abs=0.03)
    assert speaker.gap_spread == pytest.approx(0.25 / np.sqrt(12), rel=0.15)
    # each corner moves by half the width change over the gap of open = 1
    assert speaker.open_narrowing(0.3) == pytest.approx(-slope * 0.3 / 2, abs=0.005)


def test_a_speaker_who_widens_as_she_opens_is_drawn_wider_open():
    outer = [(-0.4, 0), (-0.3, -0.08), (-0.1, -0.12), (0, -0.1), (0.1, -0.12), (0.3, -0.08)]
    outer += [(0.4, 0), (0.3, 0.08), (0.1, 0.12), (0, 0.12), (-0.1, 0.12), (-0.3, 0.08)]
    inner = [(-0.3, 0), (-0.1, -0.01), (0, -0.01), (0.1, -0.01), (0.3, 0), (0.1, 0.01)]
    inner += [(0, 0.01), (-0.1, 0.01)]
    neutral = {
        "outer_lip": np.array(outer, np.float32),
        "inner_lip": np.array(inner, np.float32),
        "jaw": np.zeros((17, 2), np.float32),
    }

    def width(speaker: MouthRange | None) -> float:
        outer = target_shape(neutral, OPEN, speaker)["outer_lip"]
        return float(outer[6, 0] - outer[0, 0])

    assert width(None) < 0.8  # the average face narrows a little as it opens
    assert width(_speaker(0.45)) > 0.8 + 0.05  # she widens
    assert width(_speaker(-0.4)) < 0.8  # he purses as he opens (no narrower than he does)


def test_a_still_face_or_a_few_frames_keep_the_average_faces_narrowing():
    rng = np.random.default_rng(1)
    # a photo: the gap moves only by the landmarks' jitter, its "slope" is noise
    still = _learnt(0.02 + rng.normal(0, 0.001, 300), 0.75 + rng.normal(0, 0.01, 300))
    assert still.open_narrowing(0.3) == pytest.approx(P.OPEN_NARROW, abs=0.004)
    few = _speaker(0.45, frames=P.RANGE_MIN_FRAMES)
    assert few.open_narrowing(0.3) == pytest.approx(P.OPEN_NARROW)
    assert MouthRange().open_narrowing(0.3) == P.OPEN_NARROW


def test_moments_merge_as_one_collector_and_bad_ones_are_refused():
    rng = np.random.default_rng(2)
    gaps = rng.uniform(0.0, 0.25, 120)
    widths = 0.7 + 0.3 * gaps + rng.normal(0, 0.004, 120)
    one, a, b = RangeCollector(), RangeCollector(), RangeCollector()
    for k, (g, w) in enumerate(zip(gaps, widths, strict=True)):
        one.add(float(g), float(w))
        (a if k % 2 else b).add(float(g), float(w))
    both = RangeCollector()
    both.merge(*a.counts(), a.moments())
    both.merge(*b.counts(), b.moments())
    for field in ("wide_gap", "narrow_ratio", "frames", "width_per_gap", "gap_spread"):
        assert getattr(both.range(), field) == pytest.approx(getattr(one.range(), field))
    for bad in (np.full(5, np.nan), np.zeros(4), np.array([-1.0, 0, 0, 0, 0])):
        with pytest.raises(ValueError):
            both.merge(*a.counts(), bad)
    # sums that overflow the arithmetic give no slope, not a nan mouth
    huge = RangeCollector()
    huge.merge(*a.counts(), np.array([3.0, 1e300, 1e300, 1e308, 1e308]))
    got = huge.range()
    assert np.isfinite(got.width_per_gap) and np.isfinite(got.open_narrowing(0.3))


def test_the_pictures_narrow_mouth_lowers_the_gains_floor_as_far_as_it_is_trusted():
    """The floor that makes up for a tracker reading open lips on the teeth is lowered where
    the picture's inner lips too show a narrow mouth (retalking_face1: 0.11 IO of gap at
    open = 1, not 0.28); a picture showing a wider mouth changes nothing."""
    rest = 0.03
    narrow = _learnt(np.linspace(rest, 0.09, 300), np.full(300, 0.75))  # the tracker's lines
    floor = narrow.open_gain(rest)
    assert floor == pytest.approx(P.OPEN_GAIN_LIMITS[0])  # held up by the floor
    seen = dataclasses.replace(narrow, picture_wide=0.11, picture_trust=1.0)
    assert seen.open_gain(rest) == pytest.approx((0.11 - rest) / P.OPEN_AT_WIDE)
    half = dataclasses.replace(seen, picture_trust=0.5)
    assert half.open_gain(rest) == pytest.approx((floor + seen.open_gain(rest)) / 2)
    assert dataclasses.replace(seen, picture_trust=0.0).open_gain(rest) == floor
    # the tracker's own reading above the picture's stands
    lower = dataclasses.replace(narrow, picture_wide=0.05, picture_trust=1.0)
    assert lower.open_gain(rest) == pytest.approx((narrow.wide_gap - rest) / P.OPEN_AT_WIDE)
    # a picture that shows no opening still opens the mouth a little
    shut = _learnt(np.full(300, rest), np.full(300, 0.75))
    shut = dataclasses.replace(shut, picture_wide=rest, picture_trust=1.0)
    assert shut.open_gain(rest) == pytest.approx(P.PICTURE_GAIN_MIN)
    # wider in the picture: the tracker's range as it was
    speaker = _speaker(0.0, frames=300)
    wide = dataclasses.replace(speaker, picture_wide=0.4, picture_trust=1.0)
    assert wide.open_gain(rest) == speaker.open_gain(rest)
