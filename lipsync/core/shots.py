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

A dissolve (one shot fading into the next, or through black) changes every frame a little:
no single frame is a cut. :class:`DissolveRule` finds it from a window of recent frames: the
frames at its two ends differ in structure as shots do (at least :data:`CUT_STRUCTURE`), and
the frames between are mixes of the two (each fitted as ``a * first + (1 - a) * last`` to
within :data:`BLEND_RESIDUAL` of their difference, with ``a`` falling from one end to the
other). A pan, a zoom or a person moving changes the picture as much, but no frame of it is a
mix of two others. Measured on real speakers (face1 dissolved into face3, 0.4-2 s, ffmpeg's
``xfade``): mixes fit to within 0.01-0.10; a pan across a real frame 0.34 at best, a zoom 0.41,
a shaking rotation 0.43; no window of the seven real clips even changed structure by 0.4.
The frames of a dissolve hold two faces at once: they pass through untouched and nothing is
learnt from them (:attr:`CutDetector.in_transition`), from the frame where it is seen until
``END_FRAMES`` after the mix stops (:meth:`CutDetector._follow`).

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
DISSOLVE_LENGTHS = (6, 10, 15, 20, 25, 30, 40, 50)  # frames; the windows a dissolve is sought in
BLEND_RESIDUAL = 0.2  # a frame fits a mix of the window's ends to within this share of their change
BLEND_MIDDLE = (0.1, 0.9)  # the middle frame's share of the first end: a real mix, neither end
BLEND_PROGRESS = 0.3  # the first end's share falls at least this much from 1/4 to 3/4 of the way
BEGUN_SHARE = 0.1  # share of the incoming picture from which a frame counts as mixed
END_FRAMES = 3  # a dissolve has ended once the mix stood still for this many frames ...
END_STILL = 0.25  # ... its share moving less than this part of its pace while it was seen
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


def normal(t: np.ndarray) -> np.ndarray:
    """A thumbnail brought to mean 0 and standard deviation 1 (at least 4 grey levels, so a
    flat picture's noise is not blown up)."""
    return (t - t.mean()) / max(float(t.std()), 4.0)


def structure(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails each brought to mean 0 and standard
    deviation 1 (:func:`normal`): what changed besides brightness and contrast."""
    return normal_change(normal(a), normal(b))


def normal_change(a: np.ndarray, b: np.ndarray) -> float:
    """:func:`structure` of two thumbnails from their :func:`normal` copies."""
    return float(np.abs(a - b).mean())


def mix_share(x: np.ndarray, first: np.ndarray, last: np.ndarray) -> tuple[float, float]:
    """(a, residual): ``x`` fitted as ``a * first + (1 - a) * last`` (least squares), and
    the mean absolute misfit over the mean absolute change from ``first`` to ``last``
    (infinity where the two are the same)."""
    d = first - last
    size = float(np.abs(d).mean())
    if size <= 1e-6:
        return 0.0, float("inf")
    a = float(((x - last) * d).sum() / (d * d).sum())
    return a, float(np.abs(x - last - a * d).mean()) / size


def is_dissolve(frames: list[np.ndarray]) -> bool:
    """Whether the thumbnails ``frames`` (in order, at least 5) are a dissolve from the first
    to the last: the ends differ in structure as shots do and the frames at 1/4, 1/2 and 3/4
    of the way are mixes of the two, the first end's share falling (see the module)."""
    n = len(frames) - 1
    first, last = frames[0], frames[-1]
    if n < 4 or structure(first, last) < CUT_STRUCTURE:
        return False
    shares = []
    for part in (0.25, 0.5, 0.75):
        a, residual = mix_share(frames[round(part * n)], first, last)
        if residual > BLEND_RESIDUAL:
            return False
        shares.append(a)
    falling = shares[0] > shares[1] > shares[2] and shares[0] - shares[2] >= BLEND_PROGRESS
    return falling and BLEND_MIDDLE[0] <= shares[1] <= BLEND_MIDDLE[1]


class DissolveRule:
    """Dissolves over a stream of thumbnails, one frame at a time: :meth:`step` says whether
    a frame is seen to be inside one, and for how many frames the dissolve may go on at most
    (as many again as the longest window that shows it). The recent thumbnails and their
    :func:`normal` copies are kept in two fixed rings, so each frame costs one difference of
    every window's ends at once (0.1 ms) until one of them changed structure as shots do."""

    def __init__(self) -> None:
        size = max(DISSOLVE_LENGTHS) + 1
        self._frames = np.zeros((size, CUT_SIZE[1], CUT_SIZE[0]), np.float32)
        self._normals = np.zeros_like(self._frames)
        self._lengths = np.array(DISSOLVE_LENGTHS)
        self._at = -1  # ring index of the newest frame
        self._held = 0  # frames held since the last restart, the newest included

    def restart(self, keep_newest: bool = False) -> None:
        """Forget the frames seen, or all but the newest (at a cut, or where a dissolve was
        seen: no window may reach back over it)."""
        self._held = min(self._held, 1) if keep_newest else 0

    def before(self, frames: int) -> np.ndarray:
        """The thumbnail ``frames`` before the newest (within what is held)."""
        return self._frames[(self._at - frames) % self._frames.shape[0]]

    def newest(self) -> tuple[np.ndarray, np.ndarray] | None:
        """The newest frame's thumbnail and its :func:`normal` (None: none held)."""
        return (self._frames[self._at], self._normals[self._at]) if self._held else None

    def step(self, small: np.ndarray, normalised: np.ndarray | None = None) -> int:
        """Frames the dissolve seen at thumbnail ``small`` (the newest frame; ``normalised``:
        its :func:`normal`, when known) goes on for from here, 0 when none is seen."""
        size = self._frames.shape[0]
        at = self._at = (self._at + 1) % size
        self._frames[at] = small
        self._normals[at] = normal(small) if normalised is None else normalised
        self._held = min(self._held + 1, size)
        lengths = self._lengths[self._lengths < self._held]
        if not lengths.size:
            return 0
        starts = (at - lengths) % size
        changed = np.abs(self._normals[starts] - self._normals[at]).mean(axis=(1, 2))
        longest = 0
        for length, start, value in zip(lengths, starts, changed, strict=True):
            if value < CUT_STRUCTURE:  # within a shot the ends stay alike: nothing to fit
                continue
            window = self._frames[(start + np.arange(length + 1)) % size]
            if is_dissolve(list(window)):
                longest = int(length)
        return longest


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
    """Finds cuts and dissolves as frames arrive: :meth:`starts_shot` on each frame in order;
    :attr:`in_transition` then says whether that frame is inside a dissolve."""

    def __init__(self) -> None:
        self._rule = CutRule()
        self._dissolves = DissolveRule()
        self._left = 0  # frames of the dissolve seen still to come at most, this one included
        #: the dissolve being followed: its first frame and the frame where it was seen
        #: (thumbnails), the frames since it was seen (that one counted), and the first end's
        #: share of the newest frames
        self._ends: tuple[np.ndarray, np.ndarray] | None = None
        self._seen_after = 1
        self._began = 0
        self._shares: deque[float] = deque(maxlen=END_FRAMES + 1)

    @property
    def in_transition(self) -> bool:
        """Whether the last frame given to :meth:`starts_shot` is inside a dissolve."""
        return self._left > 0

    @property
    def mixed_before(self) -> int:
        """Where the last frame given to :meth:`starts_shot` is the one a dissolve was seen
        at: how many frames just before it were already mixes of the two shots (at least
        ``BEGUN_SHARE`` of the incoming one); 0 for every other frame. A caller that still
        holds them can leave them untouched too."""
        return self._began

    def starts_shot(self, image: np.ndarray) -> bool:
        """Whether RGB ``image`` starts a new shot (never the first frame): a cut, or the
        frame where a dissolve is first seen (the frames after it are :attr:`in_transition`
        until ``END_FRAMES`` after the mix stopped, see :meth:`_follow`, and at most as long
        again as the window that showed it)."""
        small = thumbnail(image)
        now = normal(small)
        previous = self._dissolves.newest()  # the frame before, as the rings hold it
        self._began = 0
        if self._left > 0:
            self._left -= 1
        if previous is None:
            self._dissolves.step(small, now)
            return False
        if self._rule.step(change(small, previous[0]), normal_change(now, previous[1])):
            self._dissolves.restart()
            self._dissolves.step(small, now)
            self._left = 0
            return True
        longest = self._dissolves.step(small, now)
        if not longest:
            self._follow(small)
            return False
        # the next window starts inside the dissolve: never again
        first = self._dissolves.before(longest).copy()
        began = self._mixed_before(first, small, longest)
        self._dissolves.restart(keep_newest=True)
        fresh = self._left == 0
        self._left = max(self._left, longest + 1)
        if fresh:
            self._ends, self._seen_after, self._began = (first, small.copy()), 1, began
            self._shares.clear()
            self._shares.append(0.0)  # the frame where it was seen is itself the second end
        return fresh

    def _mixed_before(self, first: np.ndarray, seen: np.ndarray, length: int) -> int:
        """Frames just before ``seen`` (the newest thumbnail, where a dissolve from ``first``,
        ``length`` frames before, is seen) that are mixes of the two: those after the last
        frame that is still ``first`` but for less than ``BEGUN_SHARE`` of ``seen`` (inside
        the dissolve the share of ``first`` falls steadily; before it, motion moves it by a
        few hundredths)."""
        for back in range(1, length):
            share, _ = mix_share(self._dissolves.before(back), first, seen)
            if share >= 1.0 - BEGUN_SHARE:
                return back - 1
        return length - 1

    def _follow(self, small: np.ndarray) -> None:
        """End the dissolve being followed at thumbnail ``small`` (the newest frame) once the
        mix stands still. Inside it every frame is ``a * first + (1 - a) * seen`` of the
        dissolve's first frame and the frame where it was seen, ``a`` falling at a steady pace
        from 0 at ``seen`` (beyond it ``a`` goes negative) until the incoming shot stands
        alone; then ``a`` stops, give or take what the speaker's motion moves it (0.01-0.03 a
        frame on the real clips, against 0.04-0.2 inside dissolves of 0.4-1.6 s). It ends
        where ``a`` fell by less than ``END_STILL`` of its pace so far over ``END_FRAMES``."""
        if self._left == 0 or self._ends is None:
            self._ends = None
            return
        share, _ = mix_share(small, *self._ends)
        self._shares.append(share)
        self._seen_after += 1
        if self._seen_after <= END_FRAMES + 1:  # too soon to know its pace
            return
        pace = -self._shares[0] / (self._seen_after - 1 - END_FRAMES)  # a frame, until then
        if self._shares[0] - share < END_STILL * END_FRAMES * pace or pace <= 0.0:
            self._left, self._ends = 0, None
