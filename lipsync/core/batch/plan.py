"""Where to cut a long video into chunks: at shot boundaries, else in silent gaps of the dub.

Pure part: :func:`choose_cuts` places the cuts given the candidates; :func:`shot_boundaries`
and :func:`silent_gaps` find candidates in frame differences and in audio loudness. I/O part:
:func:`plan_job` reads only what it needs (the packets' times; the decoded frames and the dub's
sound in a window around each ideal cut) and returns the :class:`Chunk` list.

Each chunk is a frame range ``first`` .. ``first + count - 1`` rendered with ``lead`` frames
before and ``tail`` frames after it (*handles*, rendered and dropped), so the engine has
learnt the faces and knows what follows when the kept frames pass through it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from lipsync.core.constants import SPEECH_SAMPLE_RATE
from lipsync.core.media import frame_times, open_video, probe
from lipsync.core.shots import CUT_SIZE, CutRule, change, structure

DEFAULT_CHUNK_SECONDS = 60.0  # s; the length chunks aim at
DEFAULT_LEAD_IN = 2.0  # s rendered before a chunk and dropped: the engine learns the faces
SEARCH_FRACTION = 0.2  # of the chunk length: how far from an ideal cut to look for a better one
MAX_SEARCH_SECONDS = 10.0  # s; and never further than this
MIN_CHUNK_FRACTION = 0.5  # no chunk shorter than this fraction of the chunk length
SINGLE_CHUNK_FACTOR = 1.5  # videos up to this many chunk lengths are rendered in one piece
SILENCE_HOP = 0.02  # s; loudness is measured over hops of this length
SILENCE_DB = -35.0  # dB below the window's loud (95th percentile) level counts as silence
SILENCE_FLOOR = 10 ** (-55 / 20)  # RMS (full scale 1); quieter than this is always silence
MIN_GAP_SECONDS = 0.3  # s; a shorter pause is not a gap to cut in
ANALYSIS_RATE = SPEECH_SAMPLE_RATE  # Hz; the dub is read at this rate for the loudness


@dataclass(frozen=True)
class Chunk:
    """Frames ``first`` .. ``first + count - 1`` of the video, rendered with ``lead`` frames
    before and ``tail`` after; ``cut`` says why the chunk starts where it does ("start",
    "shot", "silence" or "even"). ``whole``: the chunk is the entire video."""

    index: int
    first: int
    count: int
    lead: int
    tail: int
    cut: str
    whole: bool = False

    @property
    def end(self) -> int:
        return self.first + self.count

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- pure --------------------------------------------------------------------------------------


def choose_cuts(
    frames: int,
    chunk: int,
    search: int,
    shots: list[int] | tuple[int, ...] = (),
    gaps: list[tuple[int, int]] | tuple[tuple[int, int], ...] = (),
) -> list[tuple[int, str]]:
    """Cut positions (frame indices where a chunk starts, ascending, never 0) with the reason,
    for ``frames`` frames in chunks of about ``chunk`` frames: near each evenly spaced ideal cut
    (within ``search`` frames), the nearest shot boundary in ``shots``, else the middle of the
    nearest silent gap ``(start, end)`` in ``gaps``, else the ideal cut itself. No chunk is
    shorter than :data:`MIN_CHUNK_FRACTION` of ``chunk``."""
    if frames < SINGLE_CHUNK_FACTOR * chunk:
        return []
    n = max(2, round(frames / chunk))
    shortest = max(1, int(chunk * MIN_CHUNK_FRACTION))
    cuts: list[tuple[int, str]] = []
    last = 0
    for k in range(1, n):
        ideal = round(k * frames / n)
        lo = max(ideal - search, last + shortest)
        hi = min(ideal + search, frames - shortest)
        if lo > hi:
            continue
        near = [s for s in shots if lo <= s <= hi]
        if near:
            cut, why = min(near, key=lambda s: (abs(s - ideal), s)), "shot"
        else:
            mids = [min(max((a + b) // 2, lo), hi) for a, b in gaps if b >= lo and a <= hi]
            if mids:
                cut, why = min(mids, key=lambda s: (abs(s - ideal), s)), "silence"
            else:
                cut, why = min(max(ideal, lo), hi), "even"
        cuts.append((cut, why))
        last = cut
    return cuts


def chunks_from_cuts(frames: int, cuts: list[tuple[int, str]], lead: int, tail: int):
    """The chunks (:class:`Chunk` list) between ``cuts``, each with up to ``lead``/``tail``
    handle frames."""
    starts = [(0, "start"), *cuts]
    out = []
    for k, (first, why) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else frames
        out.append(
            Chunk(k, first, end - first, min(lead, first), min(tail, frames - end), why,
                  whole=not cuts)
        )  # fmt: skip
    return out


def shot_boundaries(diffs: dict[int, tuple[float, float]]) -> list[int]:
    """Frames that start a new shot, by the rule the face tracker follows
    (:mod:`lipsync.core.shots`), from ``diffs`` (frame index -> its grey and structural change
    from the frame before); each run of consecutive frames is judged on its own."""
    cuts: list[int] = []
    rule, last = CutRule(), None
    for index in sorted(diffs):
        if last is not None and index != last + 1:
            rule = CutRule()  # another window: the frames before it were not measured
        if rule.step(*diffs[index]):
            cuts.append(index)
        last = index
    return cuts


def silent_gaps(rms: np.ndarray, hop: float, start: float = 0.0) -> list[tuple[float, float]]:
    """Silent stretches ``(start, end)`` in s of at least :data:`MIN_GAP_SECONDS`, from
    ``rms`` (``float (n,)``, one value per ``hop`` s, the first at ``start`` s)."""
    if rms.size == 0:
        return []
    loud = float(np.percentile(rms, 95))
    quiet = rms < max(SILENCE_FLOOR, loud * 10 ** (SILENCE_DB / 20))
    gaps, run_start = [], None
    for k, q in enumerate([*quiet.tolist(), False]):
        if q and run_start is None:
            run_start = k
        elif not q and run_start is not None:
            if (k - run_start) * hop >= MIN_GAP_SECONDS:
                gaps.append((start + run_start * hop, start + k * hop))
            run_start = None
    return gaps


def constant_rate(times: list[float] | tuple[float, ...], fps: Fraction) -> bool:
    """Whether frame ``i`` is shown at ``times[0] + i / fps`` (within a quarter frame)."""
    if not times or not fps:
        return False
    t = np.asarray(times, np.float64) - times[0]
    ideal = np.arange(t.size, dtype=np.float64) / float(fps)
    return bool(np.all(np.abs(t - ideal) < 0.25 / float(fps)))


# --- I/O ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A job's chunks, with the video's frame count and rate and any note on why the video
    was not split."""

    frames: int
    fps: Fraction
    chunks: tuple[Chunk, ...]
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"frames": self.frames, "fps": str(self.fps), "note": self.note,
                "chunks": [c.to_json() for c in self.chunks]}  # fmt: skip

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> Plan:
        chunks = tuple(Chunk(**c) for c in doc["chunks"])
        return cls(int(doc["frames"]), Fraction(doc["fps"]), chunks, str(doc.get("note", "")))


def plan_job(
    video: str | Path,
    dub: str | Path,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    lead_in: float = DEFAULT_LEAD_IN,
    tail_seconds: float = 1.0,
    split: bool = True,
) -> Plan:
    """Plan the chunks of ``video`` lip-synced to ``dub``. ``split`` False (or a video of
    variable frame rate, or one shorter than 1.5 chunks) gives one chunk: the whole video."""
    info = probe(video).video[0]
    times = frame_times(video)
    fps = info.fps or Fraction(25)
    n = len(times)
    whole = [Chunk(0, 0, n, 0, 0, "start", whole=True)]
    if not split:
        return Plan(n, fps, tuple(whole), "not split (a transcript applies to the whole dub)")
    if not constant_rate(times, fps):
        return Plan(n, fps, tuple(whole), "not split (variable frame rate)")
    chunk = max(1, round(chunk_seconds * float(fps)))
    if n < SINGLE_CHUNK_FACTOR * chunk:
        return Plan(n, fps, tuple(whole))
    search = round(min(MAX_SEARCH_SECONDS, SEARCH_FRACTION * chunk_seconds) * float(fps))
    count = max(2, round(n / chunk))
    ideals = [round(k * n / count) for k in range(1, count)]
    windows = [(max(1, c - search), min(n - 1, c + search)) for c in ideals]
    shots = shot_boundaries(_frame_differences(video, windows))
    gaps = []
    for lo, hi in windows:
        start = lo / float(fps)
        rms = _loudness(dub, start, (hi - lo + 1) / float(fps))
        for a, b in silent_gaps(rms, SILENCE_HOP, start):
            gaps.append((math.ceil(a * float(fps)), math.floor(b * float(fps))))
    cuts = choose_cuts(n, chunk, search, shots, gaps)
    lead = round(lead_in * float(fps))
    tail = math.ceil(tail_seconds * float(fps))
    return Plan(n, fps, tuple(chunks_from_cuts(n, cuts, lead, tail)))


def _frame_differences(
    video: str | Path, windows: list[tuple[int, int]]
) -> dict[int, tuple[float, float]]:
    """Frame index -> the grey and structural change of its thumbnail from the previous
    frame's (:func:`lipsync.core.shots.change`, :func:`~lipsync.core.shots.structure`), for
    the frames inside ``windows`` (one decoding pass; other frames are not converted)."""
    wanted = sorted(windows)
    diffs: dict[int, tuple[float, float]] = {}
    if not wanted:
        return diffs
    last_end = wanted[-1][1]
    previous: np.ndarray | None = None
    with open_video(video) as reader:
        for index, frame in reader.iter_decoded():
            if index > last_end:
                break
            inside = any(lo - 1 <= index <= hi for lo, hi in wanted)
            if not inside:
                previous = None
                continue
            thumb = frame.reformat(width=CUT_SIZE[0], height=CUT_SIZE[1], format="gray")
            grey = thumb.to_ndarray()[:, : CUT_SIZE[0]].astype(np.float32)
            if previous is not None:
                diffs[index] = (change(grey, previous), structure(grey, previous))
            previous = grey
    return diffs


def _loudness(dub: str | Path, start: float, duration: float) -> np.ndarray:
    """RMS of the dub over hops of :data:`SILENCE_HOP` s from ``start`` for ``duration`` s."""
    from lipsync.core.media.mix import read_span

    samples = read_span(dub, start, duration, ANALYSIS_RATE)
    hop = round(SILENCE_HOP * ANALYSIS_RATE)
    n = samples.shape[0] // hop
    if n == 0:
        return np.zeros(0, np.float32)
    blocks = samples[: n * hop].reshape(n, hop).astype(np.float64)
    return np.sqrt(np.mean(blocks**2, axis=1))
