"""A speaker profile in memory: one person's mouths and mouth range, to start a track from.

Built from the appearance of a face track in some footage
(:func:`~lipsync.core.profile_build.build_profile`)
and given to a run (``SyncOptions.profile``): every track's appearance builder then starts
from the profile's exemplars and range (:meth:`AppearanceBuilder.seed`), so a short shot, a new
video of the same person or a live stream has the whole range at once. Samples of the footage
being rendered still replace the profile's in their shape cells (same light, same day). Saving
and loading: :mod:`lipsync.core.profile_file`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from lipsync.core.render.exemplar_bank import Exemplar


@dataclass(frozen=True, eq=False)
class SpeakerProfile:
    """``name``: shown in reports; ``exemplars``: the mouths (their ``source`` is ``name``);
    ``gap_counts`` / ``width_counts``: the mouth-range histograms (``int64 (RANGE_BINS,)``);
    ``frames``: the frames it was learnt from; ``videos``: the files they came from;
    ``range_moments``: the sums behind the range's width-per-gap slope (``float64 (5,)``,
    :meth:`~lipsync.core.render.mouth_range.RangeCollector.moments`; zeros: not known)."""

    name: str
    exemplars: tuple[Exemplar, ...]
    gap_counts: np.ndarray
    width_counts: np.ndarray
    frames: int
    videos: tuple[str, ...] = ()
    range_moments: np.ndarray = field(default_factory=lambda: np.zeros(5, np.float64))

    def digest(self) -> str:
        """SHA-256 of everything the profile draws with (its images, lips, range)."""
        h = hashlib.sha256()
        for array in (self.gap_counts, self.width_counts):
            h.update(np.ascontiguousarray(array).tobytes())
        if np.any(self.range_moments):  # profiles without them keep their digests
            h.update(np.ascontiguousarray(self.range_moments, np.float64).tobytes())
        for s in self.exemplars:
            h.update(np.ascontiguousarray(s.crop).tobytes())
            h.update(np.ascontiguousarray(s.lips, np.float32).tobytes())
        return h.hexdigest()

    @property
    def coverage(self) -> int:
        """Distinct aperture steps its exemplars cover."""
        from lipsync.core.render.exemplar_bank import ExemplarBank

        return ExemplarBank(self.exemplars, self.frames).coverage
