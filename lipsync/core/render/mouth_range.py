"""The range of mouth shapes one speaker actually makes, learnt from their footage.

A real speaker opens, spreads and rounds within a range of their own: one barely parts the
lips, another shows the whole upper row of teeth. The mouth model's fixed gains (in IO units,
:mod:`~lipsync.core.render.parameters`) fit an average face; scaled to the speaker's range, the
rendered mouth opens as wide as theirs does and rounds no further than they ever do.

:class:`RangeCollector` takes one observation at a time and keeps two fixed histograms (inner
gap and outer-lip width, IO units), so its memory does not grow with the footage;
:meth:`RangeCollector.range` turns them into a :class:`MouthRange`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lipsync.core.render import parameters as P

_GAP_EDGES = np.linspace(0.0, P.RANGE_GAP_MAX, P.RANGE_BINS + 1)
_WIDTH_EDGES = np.linspace(P.RANGE_WIDTH_MIN, P.RANGE_WIDTH_MAX, P.RANGE_BINS + 1)


@dataclass(frozen=True)
class MouthRange:
    """One speaker's mouth range (IO units: 1.0 = the distance between the eye centres).

    ``wide_gap``: the mean inner-lip gap of their widest ordinary opening (95th percentile of
    the frames seen); ``narrow_ratio``: their narrowest mouth over their usual one (outer-lip
    width, 5th percentile over the median), 1.0 = never narrower; ``frames``: the observations
    it was learnt from (0 = nothing known: the model's own gains apply); ``width_per_gap``:
    how their outer-lip width changes with their inner-lip gap (the least-squares slope over
    the frames seen: retalking_face3 widens as she opens, 0.46; retalking_face1 barely
    changes, -0.05); ``gap_spread``: the standard deviation of their gap (IO), which says how
    far that slope can be trusted (a still face's slope is its landmarks' noise);
    ``picture_wide``: their widest ordinary opening as the picture shows the inner lips (the
    exemplar bank's labels, 0 = not known), which :meth:`open_gain` takes as its floor
    where it is narrower, by ``picture_trust`` (0..1).
    """

    wide_gap: float = 0.0
    narrow_ratio: float = 1.0
    frames: int = 0
    width_per_gap: float = 0.0
    gap_spread: float = 0.0
    picture_wide: float = 0.0
    picture_trust: float = 0.0

    @property
    def confidence(self) -> float:
        """0..1: how much the learnt range is trusted over the model's average face
        (:func:`confidence_of` its frames)."""
        return confidence_of(self.frames)

    def open_gain(self, rest_gap: float) -> float:
        """IO of inner-lip gap added at ``open`` = 1 for this speaker, whose rest (neutral)
        gap is ``rest_gap``: their widest ordinary opening is reached where speech tracks
        reach their 95th percentile of opening (``OPEN_AT_WIDE``). The learnt gain stays
        within ``OPEN_GAIN_LIMITS``, whose floor makes up for a tracker that reads open lips
        on the teeth; the picture's own reading (``picture_wide``, trusted by
        ``picture_trust``) lowers that floor to what it shows, no lower than
        ``PICTURE_GAIN_MIN``: where the picture too shows a narrow mouth, there is nothing to
        make up for (the rest gap is then the picture's too)."""
        floor = P.OPEN_GAIN_LIMITS[0]
        if self.picture_trust > 0.0:
            seen = max((self.picture_wide - rest_gap) / P.OPEN_AT_WIDE, P.PICTURE_GAIN_MIN)
            t = min(self.picture_trust, 1.0)
            floor = (1.0 - t) * floor + t * min(seen, floor)
        learnt = (self.wide_gap - rest_gap) / P.OPEN_AT_WIDE
        learnt = float(min(max(learnt, floor), P.OPEN_GAIN_LIMITS[1]))
        c = self.confidence
        return (1.0 - c) * P.OPEN_GAP + c * learnt

    def open_narrowing(self, open_gap: float) -> float:
        """IO each mouth corner moves in at ``open`` = 1, whose inner-lip gap is ``open_gap``
        (IO): the average face's ``OPEN_NARROW``, or this speaker's own width change over that
        gap (``width_per_gap``, within ``WIDTH_PER_GAP_LIMITS``, halved: two corners), trusted
        with the frames seen and with how much their mouth moved (``GAP_SPREAD_TRUST``: none
        for a gap that moves no more than landmarks jitter, fully from a speaking mouth's).
        A fixed narrowing fought a speaker who widens as she opens: the rendered width
        followed the real one at r 0.05-0.16 on retalking_face3 (dlib), though the speech's
        spreading and rounding follow it at 0.65."""
        slope = min(max(self.width_per_gap, P.WIDTH_PER_GAP_LIMITS[0]), P.WIDTH_PER_GAP_LIMITS[1])
        low, full = P.GAP_SPREAD_TRUST
        c = self.confidence * min(max((self.gap_spread - low) / (full - low), 0.0), 1.0)
        return (1.0 - c) * P.OPEN_NARROW + c * (-slope * open_gap / 2.0)

    def narrowing_limit(self, half_width: float) -> float:
        """IO: the most each mouth corner may move in from the neutral, for a neutral outer
        half-width ``half_width`` (IO); rounding and narrowing stop there."""
        learnt = max(1.0 - self.narrow_ratio, P.MIN_NARROWING) * half_width
        c = self.confidence
        return (1.0 - c) * P.MAX_NARROWING + c * min(learnt, P.MAX_NARROWING)


def confidence_of(frames: int) -> float:
    """0..1: how far a range learnt from ``frames`` observations is trusted: not at all below
    ``RANGE_MIN_FRAMES`` (a few frames say nothing about a range), growing with the frames,
    fully from ``RANGE_FULL_FRAMES``."""
    known = (frames - P.RANGE_MIN_FRAMES) / (P.RANGE_FULL_FRAMES - P.RANGE_MIN_FRAMES)
    return float(min(max(known, 0.0), 1.0))  # np.clip on one number: 10 us


def percentile_of(hist: np.ndarray, edges: np.ndarray, q: float) -> float:
    """The ``q`` percentile (0..100) of the values counted in ``hist`` (bins ``edges``),
    interpolated inside its bin; nan when the histogram is empty."""
    total = float(hist.sum())
    if total <= 0:
        return float("nan")
    cum = np.concatenate([[0.0], np.cumsum(hist)]) / total
    return float(np.interp(q / 100.0, cum, edges))


class RangeCollector:
    """Collects one track's mouth gaps and widths (bounded memory) for :class:`MouthRange`."""

    def __init__(self) -> None:
        self._gaps = np.zeros(P.RANGE_BINS, dtype=np.int64)
        self._widths = np.zeros(P.RANGE_BINS, dtype=np.int64)
        self.frames = 0
        # frames, and the sums of gap, width, gap^2 and gap x width: the width's slope on gap
        self._moments = np.zeros(5, dtype=np.float64)

    def add(self, gap: float, width: float) -> None:
        """One observation: mean inner-lip gap and outer-lip width (corner to corner), IO."""
        if not (np.isfinite(gap) and np.isfinite(width)):
            return
        g = int(np.clip(np.searchsorted(_GAP_EDGES, gap, side="right") - 1, 0, P.RANGE_BINS - 1))
        w = int(
            np.clip(np.searchsorted(_WIDTH_EDGES, width, side="right") - 1, 0, P.RANGE_BINS - 1)
        )
        self._gaps[g] += 1
        self._widths[w] += 1
        self.frames += 1
        self._moments += (1.0, gap, width, gap * gap, gap * width)

    def counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Copies of the gap and width histograms (``int64 (RANGE_BINS,)`` each)."""
        return self._gaps.copy(), self._widths.copy()

    def moments(self) -> np.ndarray:
        """A copy of the sums behind ``width_per_gap`` (``float64 (5,)``: frames, and the sums
        of gap, width, gap squared and gap times width), for a speaker profile."""
        return self._moments.copy()

    def merge(
        self, gaps: np.ndarray, widths: np.ndarray, moments: np.ndarray | None = None
    ) -> None:
        """Add histograms from :meth:`counts` (and sums from :meth:`moments`, when known) of
        another collector (the same speaker)."""
        if moments is not None:
            moments = np.asarray(moments, np.float64)
            if moments.shape != (5,) or not np.isfinite(moments).all() or moments[0] < 0:
                raise ValueError("mouth-range moments must be 5 finite sums over >= 0 frames")
            self._moments += moments
        gaps = np.asarray(gaps, np.int64)
        widths = np.asarray(widths, np.int64)
        if gaps.shape != self._gaps.shape or widths.shape != self._widths.shape:
            raise ValueError(f"mouth-range histograms must have {P.RANGE_BINS} bins")
        self._gaps += np.maximum(gaps, 0)
        self._widths += np.maximum(widths, 0)
        self.frames += int(np.maximum(gaps, 0).sum())

    def range(self) -> MouthRange:
        """The speaker's :class:`MouthRange` from what was added so far."""
        if not self.frames:
            return MouthRange()
        wide = percentile_of(self._gaps, _GAP_EDGES, P.RANGE_WIDE_PERCENTILE)
        usual = percentile_of(self._widths, _WIDTH_EDGES, 50.0)
        narrow = percentile_of(self._widths, _WIDTH_EDGES, P.RANGE_NARROW_PERCENTILE)
        ratio = float(np.clip(narrow / usual, 0.0, 1.0)) if usual > 0 else 1.0
        slope, spread = 0.0, 0.0
        n, sum_g, sum_w, sum_gg, sum_gw = self._moments
        if n >= 2:
            with np.errstate(all="ignore"):  # a hostile profile's sums may overflow
                variance = max(sum_gg / n - (sum_g / n) ** 2, 0.0)
                spread = float(np.sqrt(variance))
                if spread > 1e-4:
                    slope = float((sum_gw / n - sum_g * sum_w / (n * n)) / variance)
            if not (np.isfinite(slope) and np.isfinite(spread)):  # overflowed: no slope
                slope, spread = 0.0, 0.0
        return MouthRange(
            wide_gap=wide,
            narrow_ratio=ratio,
            frames=self.frames,
            width_per_gap=slope,
            gap_spread=spread,
        )
