"""Single-pass lip-sync of a stream of decoded frames, with a bounded lookahead.

    frames in ──► track faces, learn each face's appearance ──► lookahead window
              ──► plan (who speaks, how strongly) + mouth target ──► render (batched) ──► out

A frame leaves the window once ``lookahead`` newer frames have arrived (or the input ended):
by then the hand-over ramps around it are known, the faces in it have been seen for a while
(their appearance is built from every frame seen so far, the lookahead included), and the
mouth targets of its block are evaluated with a frame of margin on each side. Memory is the
window's decoded frames, whatever the length of the video; frames leave in order, none dropped
or added. Files (:class:`~lipsync.core.engine.LipSyncEngine`) and pipes (``lipsync-filter``)
stream through this same code, so they give the same pixels. Tracking, learning and planning
run in a thread of their own, a batch ahead of rendering (:meth:`SyncStream.run`): the frames
held are the window's and those of up to three batches (one rendering, one waiting, one being
gathered).

Frames stay in their decoded planes: only the region a renderer may change is converted to
RGB, and only the pixels it changed are converted back (:mod:`lipsync.core.media.patch`), at
the frame's own depth and chroma layout, so every other sample keeps its code value. Only
layouts the patcher cannot hold (semi-planar, packed YUV) go through a full RGB picture.
Untouched frames come out as the very frames that came in.
"""

from __future__ import annotations

import dataclasses
import logging
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import av
import numpy as np

from lipsync.core.constants import (
    DEFAULT_FPS,
    LOOKAHEAD_MEMORY,
    LOOKAHEAD_MIN_SECONDS,
    LOOKAHEAD_SECONDS,
)
from lipsync.core.errors import ProcessingError
from lipsync.core.media import VideoStreamInfo
from lipsync.core.media.convert import frame_to_rgb, rgb_to_frame
from lipsync.core.media.patch import PatchFrame, patchable, stable_region
from lipsync.core.media.planes import plane_layout
from lipsync.core.opencv_threads import opencv_in_callers
from lipsync.core.progress import ProgressCallback
from lipsync.core.protocols import (
    Appearance,
    BatchRenderer,
    ExemplarUser,
    GrowingCurve,
    MouthCurve,
    RegionRenderer,
    Renderer,
    SpeechReader,
    Tracker,
    TrackForgetter,
)
from lipsync.core.selection import IN_DISSOLVE, OUTSIDE_RANGE, FramePlanner, handover_strength
from lipsync.core.streaming import prefetch
from lipsync.core.sync_options import SyncOptions
from lipsync.core.types import FaceObservation

if TYPE_CHECKING:
    from lipsync.core.face import BackendOptions, TrackerOptions
    from lipsync.core.render.appearance import TrackAppearance

log = logging.getLogger("lipsync")

TRACKING_THREADS = 1  # onnxruntime threads for face tracking (decoding runs beside it)
REGION_MARGIN = 0.8  # inter-ocular distances around jaw and nose that rendering may change
STAGE = "Lip-syncing"
LIVE_TARGET_FRAMES = 25  # mouth targets evaluated at once in live mode (a curve call's cost)
PLAN_AHEAD = 1  # batches planned while one renders (memory: a batch of frames more)


@dataclass(frozen=True, eq=False)
class InFrame:
    """A decoded frame entering the stream: ``time`` in seconds (any origin; None: unknown,
    then ``index / fps``), ``pts`` as the source stamped it."""

    index: int
    frame: av.VideoFrame
    time: float | None = None
    pts: int | None = None


@dataclass(frozen=True, eq=False)
class OutFrame:
    """A frame leaving the stream. ``frame`` is the input frame, or its changed copy in the
    same pixel format; ``image`` the changed picture as upright RGB when it was rendered from
    RGB (layouts other than 8-bit 4:2:0), else None."""

    index: int
    time: float
    pts: int | None
    frame: av.VideoFrame
    image: np.ndarray | None
    changed: bool

    def coded(self, info: VideoStreamInfo) -> av.VideoFrame:
        """The frame in the input's pixel format and coded orientation."""
        if self.image is None:
            return self.frame
        return rgb_to_frame(self.image, info, self.frame.format.name)


def held_frame_bytes(info: VideoStreamInfo) -> int:
    """Bytes one frame held in the lookahead window takes, about: its decoded planes
    (``info``'s coded size and pixel format) and an 8-bit RGB picture of it (3 bytes a
    pixel), which a rendered frame keeps until it leaves. Peak RSS grew by 7.5 MB a frame
    held at 1080p 4:2:0 and 28 MB at 4K (this gives 9.3 and 37.3)."""
    w, h = max(info.coded_width, 1), max(info.coded_height, 1)
    try:
        fmt = av.VideoFormat(info.pix_fmt, w, h)
        planes = sum(c.width * c.height * ((c.bits + 7) // 8) for c in fmt.components)
    except (ValueError, av.error.FFmpegError):  # a format PyAV does not know: three samples
        planes = 3 * w * h * ((max(info.bit_depth, 8) + 7) // 8)
    return planes + 3 * w * h


def lookahead_frames(lookahead: float | None, fps: float, frame_bytes: int) -> int:
    """Frames the lookahead window holds: ``lookahead`` s of them at ``fps`` when given;
    by default (None) ``LOOKAHEAD_SECONDS``, shortened to what ``LOOKAHEAD_MEMORY`` holds of
    frames of ``frame_bytes`` each (:func:`held_frame_bytes`), never under
    ``LOOKAHEAD_MIN_SECONDS``: 3 s up to 1080p at 60 fps, 2.3 s at 4K 25 fps, 1 s at 4K
    60 fps (3 s there: 180 frames, some 5-6 GB by the 4K 25 fps figures)."""
    if lookahead is not None:
        return round(lookahead * fps)
    fit = LOOKAHEAD_MEMORY // max(frame_bytes, 1)
    return int(min(round(LOOKAHEAD_SECONDS * fps), max(fit, round(LOOKAHEAD_MIN_SECONDS * fps))))


@dataclass(eq=False)
class _Entry:
    index: int
    frame: av.VideoFrame
    time: float  # s from the first frame
    pts: int | None
    faces: dict[int, FaceObservation]
    picked: tuple[int, ...]
    reason: str | None
    target: np.ndarray | None = None
    strength: float = 0.0
    appearances: dict[int, TrackAppearance] = field(default_factory=dict)
    patch: PatchFrame | None = None
    image: np.ndarray | None = None
    changed: bool = False
    staged: tuple[list, list] | None = None  # live: the first face's jobs and places
    drawn: list | None = None  # live: their renders, not yet put into the frame
    ended: tuple[int, ...] = ()  # tracks none of whose frames come after this one


class SyncStream:
    """Lip-sync frames as they come. ``curve`` is the speech's
    :class:`~lipsync.core.speech.MouthCurve` (time 0 = the first frame); ``speech`` its
    ``float32 (n,)`` 16 kHz samples for renderers that read audio (None otherwise)::

        stream = SyncStream(renderer, options, info, curve)
        for out in stream.run(frames):          # InFrame in, OutFrame out, in order
            sink(out)
        stream.counts                           # untouched frames by reason
    """

    def __init__(
        self,
        renderer: Renderer,
        options: SyncOptions,
        info: VideoStreamInfo,
        curve: MouthCurve,
        speech: tuple[np.ndarray, int] | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.renderer = renderer
        self.options = options
        self.info = info
        self.curve = curve
        self.fps = float(info.fps or DEFAULT_FPS)
        self._report = on_progress or (lambda stage, done, total: None)
        ramp = options.selection.handover_frames
        held = lookahead_frames(options.lookahead, self.fps, held_frame_bytes(info))
        self.window = max(ramp + 2, held)
        # the renderer's and the curve's optional capabilities (lipsync.core.protocols)
        self._batch = renderer if isinstance(renderer, BatchRenderer) else None
        self._bounds = renderer.bounds if isinstance(renderer, RegionRenderer) else None
        self._growing = curve if isinstance(curve, GrowingCurve) else None
        self.batch_size = max(1, int(self._batch.batch_size)) if self._batch is not None else 1
        self._fast = patchable(info)
        self._planner = FramePlanner(options.selection)
        self._history: deque[bool] = deque(maxlen=ramp + 1)
        self._builders: dict[int, Appearance] = {}
        self._built: dict[int, tuple[int, TrackAppearance]] = {}
        self._last_seen: dict[int, int] = {}  # track -> index of the newest frame it is in
        self._forgets = renderer if isinstance(renderer, TrackForgetter) else None
        self._t0: float | None = None
        self._left_time: float | None = None  # s from the first frame, of the last to leave
        self._targets: dict[int, np.ndarray] = {}
        self._live_block: tuple[np.ndarray, np.ndarray] | None = None  # (times, mouth targets)
        #: Untouched frames by reason, frames rendered, faces rendered, frames seen.
        self.counts: Counter[str] = Counter()
        self.rendered = 0
        self.faces: set[int] = set()
        self.frames = 0
        self.first_time: float | None = None
        self.last_time: float | None = None
        #: Seconds of speech (0 when no samples were given).
        self.audio_duration = speech[0].shape[0] / speech[1] if speech is not None else 0.0
        if speech is not None and isinstance(renderer, SpeechReader):
            renderer.prepare(speech[0], speech[1], self.fps)

    # --- the stream ---------------------------------------------------------------------------

    def tracker(self, thorough_every: int | None = None) -> Tracker:
        """A new face tracker for this stream's frames (``thorough_every``: detection passes
        per search for small faces while faces are tracked, when not the tracker's default)."""
        from lipsync.core.face import FaceTracker

        return FaceTracker(self._tracker_options(thorough_every))

    def _tracker_options(self, thorough_every: int | None = None) -> TrackerOptions:
        from lipsync.core.face import TrackerOptions

        tracker_opts = TrackerOptions(fps=self.fps, backend=tracking_backend())
        if thorough_every is not None:
            tracker_opts = dataclasses.replace(tracker_opts, thorough_every=thorough_every)
        if self.options.detect_every is not None:
            tracker_opts = dataclasses.replace(tracker_opts, detect_every=self.options.detect_every)
        return tracker_opts

    def run(self, frames: Iterable[InFrame]) -> Iterator[OutFrame]:
        """Every frame of ``frames``, lip-synced, in order.

        Tracking, learning and planning (:meth:`_plan`) run in a thread up to
        ``PLAN_AHEAD`` batches ahead of rendering: onnxruntime, OpenCV and numpy release the
        GIL, so the face tracker and the renderer use two cores. Each frame gets what it got
        with one after the other: its plan (mouth target, hand-over strength, the faces'
        appearances) is fixed when it leaves the window, whatever the renderer is doing."""
        total = self.info.frame_count or None
        with opencv_in_callers():
            for ready in prefetch(self._plan(frames), depth=PLAN_AHEAD):
                yield from self._flush(ready, total)

    def _plan(self, frames: Iterable[InFrame]) -> Iterator[list[_Entry]]:
        """The frames tracked, learnt from and planned, in the batches to render together."""
        window: deque[_Entry] = deque()
        ready: list[_Entry] = []
        for item, image, faces in self._tracked(frames):
            mixed = getattr(faces, "mixed_before", 0)
            if mixed:  # a dissolve seen only now: the frames of it still held stay untouched
                for entry in list(window)[-mixed:]:
                    if entry.reason != OUTSIDE_RANGE:
                        entry.picked, entry.reason = (), IN_DISSOLVE
            window.append(self._learn(item, image, faces))
            # a speech still arriving (a live pipe) holds frames back until it is known
            while len(window) > self.window and window[0].time <= self._known_until():
                if self._leave(window, ready, final=False):
                    yield ready
                    ready = []
        while window:
            if self._leave(window, ready, final=True):
                yield ready
                ready = []
        if ready:
            yield ready

    def _tracked(
        self, frames: Iterable[InFrame]
    ) -> Iterator[tuple[InFrame, np.ndarray, list[FaceObservation]]]:
        """Each frame with its upright RGB picture and its faces, in order. Where it helps
        and works (:func:`~lipsync.core.face.tracking_process.available`) the tracker runs in
        a child process a few frames ahead, on a core of its own: in this process its Python
        held the interpreter lock that rendering needs (the same faces either way)."""
        from lipsync.core.face import tracking_process

        if not tracking_process.available():
            yield from self._tracked_here(frames)
            return
        child = tracking_process.borrow()
        try:
            child.begin(self._tracker_options())
        except ProcessingError as e:  # it could not start (its answer never came)
            tracking_process.give_back(child, healthy=False)
            log.warning("%s; tracking in this process instead", str(e).split(";")[0])
            yield from self._tracked_here(frames)
            return
        done = False
        try:
            held: deque[tuple[InFrame, np.ndarray]] = deque()
            for item in frames:
                image = frame_to_rgb(item.frame, self.info)
                child.submit(image)
                held.append((item, image))
                if len(held) >= tracking_process.DEPTH:
                    first, picture = held.popleft()
                    yield first, picture, child.collect()
            while held:
                first, picture = held.popleft()
                yield first, picture, child.collect()
            done = True
        finally:
            tracking_process.give_back(child, healthy=done)

    def _tracked_here(
        self, frames: Iterable[InFrame]
    ) -> Iterator[tuple[InFrame, np.ndarray, list[FaceObservation]]]:
        """:meth:`_tracked` with the tracker in this process."""
        tracker = self.tracker()
        for item in frames:
            image = frame_to_rgb(item.frame, self.info)
            yield item, image, tracker.update(image)

    def _take(self, item: InFrame, tracker: Tracker) -> _Entry:
        """Track one new frame and learn from it."""
        image = frame_to_rgb(item.frame, self.info)
        return self._learn(item, image, tracker.update(image))

    def _learn(self, item: InFrame, image: np.ndarray, faces: list[FaceObservation]) -> _Entry:
        """Learn from one new frame (upright RGB ``image``) and its ``faces``."""
        time = item.time if item.time is not None else item.index / self.fps
        if self._t0 is None:
            self._t0 = time
            self.first_time = time
        self.last_time = time
        rel = time - self._t0
        for face in faces:
            builder = self._builders.get(face.track_id)
            if builder is None:
                builder = self._builders[face.track_id] = self._new_builder()
            builder.add(image, face)
            self._last_seen[face.track_id] = item.index
        opts = self.options
        inside = (opts.start is None or rel >= opts.start) and (opts.end is None or rel < opts.end)
        picked, reason = self._planner.choose(faces, inside)
        return _Entry(
            item.index, item.frame, rel, item.pts, {f.track_id: f for f in faces}, picked, reason
        )

    def _leave(self, window: deque[_Entry], ready: list[_Entry], final: bool) -> bool:
        """The oldest frame leaves the window: plan it fully and queue it in ``ready``; True
        when ``ready`` is a batch to render now."""
        entry = window[0]
        if entry.index not in self._targets and entry.picked:
            self._evaluate_targets(window, final)
        window.popleft()
        self._left_time = entry.time
        renderable = entry.reason is None
        ramp = self.options.selection.handover_frames
        ahead = [e.reason is None for e in list(window)[: ramp + 1]]
        local = np.array([*self._history, renderable, *ahead], bool)
        entry.strength = float(handover_strength(local, self.options.selection)[len(self._history)])
        self._history.append(renderable)
        entry.target = self._targets.pop(entry.index, None)
        if entry.picked:
            entry.appearances = {tid: self._appearance(tid) for tid in entry.picked}
        entry.ended = self._end_tracks(window[0].index if window else None)
        ready.append(entry)
        jobs = sum(len(e.picked) for e in ready)
        return jobs == 0 or jobs >= self.batch_size

    # --- live: one frame at a time, no look-ahead ------------------------------------------------

    def begin(self, item: InFrame) -> None:
        """``item`` is the stream's first frame (time 0), whether or not it is rendered."""
        if self._t0 is None:
            self._t0 = item.time if item.time is not None else item.index / self.fps
            self.first_time = self._t0

    def render_now(self, item: InFrame, tracker: Tracker, eyes: float | None = None) -> _Entry:
        """Track, learn and render one frame at once (live mode): the hand-over ramp from the
        frames before it only, the face's appearance from what has been seen so far, the mouth
        from the speech known now; ``eyes``: a face with its eyes further apart (px) renders
        at that size and its change is enlarged back (:func:`~lipsync.core.live.shrink`).
        Counts nothing: hand the result to :meth:`emit`."""
        return self.finish_now(self.prepare_now(item, tracker), eyes)

    def prepare_now(
        self, item: InFrame, tracker: Tracker, eyes: float | None = None, stage: bool = False
    ) -> _Entry:
        """The first half of :meth:`render_now`: track, learn, plan (frames in order);
        ``stage``: also cut out (and shrink, see :meth:`render_now`) the first face's region
        for :meth:`draw_now`, so that the rendering thread has less to do."""
        entry = self._take(item, tracker)
        renderable = entry.reason is None
        local = np.array([*self._history, renderable], bool)
        entry.strength = float(handover_strength(local, self.options.selection)[-1])
        self._history.append(renderable)
        if entry.picked:
            entry.target = self._live_target(entry.time)
            entry.appearances = {tid: self._appearance(tid) for tid in entry.picked}
            if stage:
                entry.staged = self._stage([entry], 0, eyes)
        entry.ended = self._end_tracks(entry.index)
        return entry

    def known_until(self) -> float:
        """Seconds (from the first frame) up to which the speech's mouth is final."""
        return self._known_until()

    def retarget(self, entry: _Entry) -> None:
        """Take the mouth target of a :meth:`prepare_now` result again from the speech known
        now (live: it may have been analysed further since)."""
        if entry.picked:
            entry.target = self._live_target(entry.time)

    def finish_now(self, entry: _Entry, eyes: float | None = None) -> _Entry:
        """The second half of :meth:`render_now`: render a prepared frame (frames in order;
        it reads only ``entry`` and the renderer, so it may run beside the next
        :meth:`prepare_now`): :meth:`draw_now` then :meth:`compose_now`."""
        self.draw_now(entry, eyes)
        return self.compose_now(entry, eyes)

    def draw_now(self, entry: _Entry, eyes: float | None = None) -> _Entry:
        """Render the first face of a prepared frame (frames in order), with its mouth
        target as it is now (:meth:`retarget` may have changed it since it was staged)."""
        if not entry.picked:
            return entry
        if entry.staged is None:
            entry.staged = self._stage([entry], 0, eyes)
        jobs = [dataclasses.replace(job, target=entry.target) for job in entry.staged[0]]
        if jobs:
            entry.drawn = self._draw(jobs)
        return entry

    def compose_now(self, entry: _Entry, eyes: float | None = None) -> _Entry:
        """Put a :meth:`draw_now` render into the frame (it touches only ``entry``, so it
        may run beside the next :meth:`draw_now`); any further faces are rendered here."""
        if entry.staged is not None and entry.drawn is not None:
            self._compose(entry.staged[1], entry.drawn)
        entry.staged = entry.drawn = None
        for k in range(1, len(entry.picked)):
            self._render([entry], k, eyes)
        self._forget(entry)
        return entry

    def _live_target(self, time: float) -> np.ndarray:
        """The mouth target at ``time`` s (live): from a block of :data:`LIVE_TARGET_FRAMES`
        frames evaluated at once (with a frame of margin each side) while the speech is known
        that far and the frames keep the stream's rate, else from this frame alone."""
        step = 1.0 / self.fps
        if self._live_block is not None:
            times, values = self._live_block
            k = int(np.rint((time - times[0]) / step))
            if 0 < k < times.shape[0] - 1 and abs(times[k] - time) < 1e-6:
                return values[k]
        times = time + step * np.arange(-1, LIVE_TARGET_FRAMES + 1, dtype=np.float64)
        if times[-1] > self._known_until():
            times = times[:3]
        values = self.curve.values(times)
        self._live_block = (times, values) if times.shape[0] > 3 else None
        return values[1]

    def emit(self, entry: _Entry) -> OutFrame:
        """The frame of a :meth:`render_now` result as it leaves, counted."""
        return self._out(entry, self.info.frame_count or None)

    def untouched(self, item: InFrame, reason: str) -> OutFrame:
        """``item`` leaving unchanged for ``reason`` (e.g. 'late'), counted."""
        time = item.time if item.time is not None else item.index / self.fps
        self.counts[reason] += 1
        self.frames += 1
        self._report(STAGE, self.frames, self.info.frame_count or None)
        return OutFrame(item.index, time, item.pts, item.frame, None, False)

    def _new_builder(self) -> Appearance:
        """A new track's appearance builder: with exemplars when the renderer draws them,
        started from the speaker profile when one is given."""
        from lipsync.core.render import AppearanceBuilder

        exemplars = isinstance(self.renderer, ExemplarUser) and self.renderer.uses_exemplars
        builder = AppearanceBuilder(exemplars=bool(exemplars))
        if self.options.profile is not None:
            builder.seed(self.options.profile)
        return builder

    def _known_until(self) -> float:
        """Seconds (from the first frame) up to which the speech's mouth is final."""
        return float(self._growing.known_until) if self._growing is not None else np.inf

    def _evaluate_targets(self, window: deque[_Entry], final: bool) -> None:
        """Mouth targets for the frames now in the window (the newest one only when the input
        has ended; only those whose speech is known), with the neighbouring frames' times as
        margin."""
        entries = list(window)
        times = [e.time for e in entries]
        keep = entries if final else entries[:-1]
        if not final:
            known = self._known_until()
            keep = [e for e in keep if e.time <= known] or keep[:1]
        if self._left_time is not None:
            times.insert(0, self._left_time)
        values = self.curve.values(np.array(times, np.float64))
        offset = 1 if self._left_time is not None else 0
        for k, e in enumerate(keep):
            self._targets[e.index] = values[offset + k]

    def _end_tracks(self, oldest: int | None) -> tuple[int, ...]:
        """Let go of the tracks none of whose frames are at or after frame ``oldest`` (the
        oldest frame still to plan; None: none is left): their appearance builders now, and
        (through the returned ids, see :meth:`_forget`) the renderer's state once the frames
        before have been rendered. A track id never comes back, so a long video of many shots
        holds only its current faces' samples."""
        ended = tuple(
            tid for tid, last in self._last_seen.items() if oldest is None or last < oldest
        )
        for tid in ended:
            del self._last_seen[tid]
            self._builders.pop(tid, None)
            self._built.pop(tid, None)
        return ended

    def _forget(self, entry: _Entry) -> None:
        """Tell the renderer of the tracks that ended by ``entry`` (rendered: frames go in
        order, so no frame still to render is of them)."""
        if self._forgets is not None:
            for tid in entry.ended:
                self._forgets.forget(tid)
        entry.ended = ()

    def _appearance(self, track_id: int) -> TrackAppearance:
        """The track's appearance from every frame seen so far (rebuilt only after changes)."""
        builder = self._builders[track_id]
        cached = self._built.get(track_id)
        if cached is None or cached[0] != builder.version:
            cached = (builder.version, builder.build())
            self._built[track_id] = cached
        return cached[1]

    # --- rendering ----------------------------------------------------------------------------

    def _flush(self, ready: list[_Entry], total: int | None) -> Iterator[OutFrame]:
        """Render the queued frames (faces batched, one face per frame per round) and emit
        them in order."""
        rounds = max((len(e.picked) for e in ready), default=0)
        for k in range(rounds):
            todo = [e for e in ready if len(e.picked) > k]
            for at in range(0, len(todo), self.batch_size):
                self._render(todo[at : at + self.batch_size], k)
        for entry in ready:
            self._forget(entry)
            yield self._out(entry, total)
        ready.clear()

    def _render(self, entries: list[_Entry], k: int, eyes: float | None = None) -> None:
        jobs, places = self._stage(entries, k, eyes)
        if jobs:
            self._compose(places, self._draw(jobs))

    def _stage(self, entries: list[_Entry], k: int, eyes: float | None) -> tuple[list, list]:
        """(the render jobs of the ``k``-th face of each of ``entries``, where each goes)."""
        from lipsync.core.live import shrink
        from lipsync.core.render import RenderJob

        jobs, places = [], []
        for entry in entries:
            tid = entry.picked[k]
            face = entry.faces[tid]
            picture, region = self._region(entry, face)
            if region is None:
                continue
            assert entry.target is not None  # a frame with a face to render has its target
            image, local = picture, shift_face(face, -region[0], -region[1])
            reduced = shrink(picture, local, eyes) if eyes is not None else None
            if reduced is not None:
                image, local = reduced
            jobs.append(
                RenderJob(
                    image=image,
                    face=local,
                    target=entry.target,
                    appearance=entry.appearances[tid],
                    strength=entry.strength,
                    index=entry.index,
                    time=entry.time,
                    fps=self.fps,
                )
            )
            places.append((entry, region, picture, None if reduced is None else image))
        return jobs, places

    def _draw(self, jobs: list) -> list:
        """The renderer's output for each job (batched when it batches)."""
        if self._batch is not None:
            return list(self._batch.render_batch(jobs))
        return [
            self.renderer.render(j.image, j.face, j.target, j.appearance, strength=j.strength)
            for j in jobs
        ]

    def _compose(self, places: list, results: list) -> None:
        """Each render put where it goes (enlarged back first when it was shrunk)."""
        from lipsync.core.live import enlarge

        for (entry, region, before, small), after in zip(places, results, strict=True):
            if small is not None:
                after = enlarge(before, small, np.asarray(after))
            self._put(entry, region, before, after)

    def _region(
        self, entry: _Entry, face: FaceObservation
    ) -> tuple[np.ndarray, tuple[int, int, int, int] | None]:
        """The RGB picture of the part of the frame the renderer may change, and where."""
        bounds = self._bounds
        box = bounds(face) if bounds is not None else lower_face_bounds(face, REGION_MARGIN)
        if self._fast and plane_layout(entry.frame.format.name) is not None:
            if entry.patch is None:
                entry.patch = PatchFrame(entry.frame, self.info)
            width, height = entry.patch.size
        else:
            if entry.image is None:
                entry.image = frame_to_rgb(entry.frame, self.info)
            height, width = entry.image.shape[:2]
        region = stable_region(*box, width, height)
        if entry.patch is not None:
            region = entry.patch.align(region)
        if region[2] - region[0] < 2 or region[3] - region[1] < 2:
            return np.zeros((0, 0, 3), np.uint8), None
        if entry.patch is not None:
            return entry.patch.rgb(region), region
        assert entry.image is not None
        x0, y0, x1, y1 = region
        return entry.image[y0:y1, x0:x1].copy(), region

    def _put(
        self,
        entry: _Entry,
        region: tuple[int, int, int, int],
        before: np.ndarray,
        after: np.ndarray,
    ) -> None:
        after = np.asarray(after)
        if after.shape != before.shape or after.dtype != np.uint8:
            raise TypeError(
                f"renderer {self.renderer.name!r} returned {after.dtype} {after.shape} for a "
                f"{before.shape} region"
            )
        if entry.patch is not None:
            entry.patch.put_rgb(region, before, after)
            entry.changed = entry.changed or entry.patch.changed
        elif not np.array_equal(after, before):
            assert entry.image is not None
            x0, y0, x1, y1 = region
            entry.image[y0:y1, x0:x1] = after
            entry.changed = True

    def _out(self, entry: _Entry, total: int | None) -> OutFrame:
        if entry.reason is None:
            self.rendered += 1
            self.faces.update(entry.picked)
        else:
            self.counts[entry.reason] += 1
        self.frames += 1
        frame, image = entry.frame, None
        if entry.changed:
            if entry.patch is not None:
                frame = entry.patch.to_av()
            else:
                image = entry.image
        out = OutFrame(
            entry.index, entry.time + (self._t0 or 0.0), entry.pts, frame, image, entry.changed
        )
        self._report(STAGE, self.frames, total)
        return out


def tracking_backend() -> BackendOptions:
    """The landmark backend every stream tracks faces with (onnxruntime on
    ``TRACKING_THREADS`` threads): what :func:`~lipsync.core.face.tracking_process.warm_up`
    can have a tracking process load before the stream starts."""
    from lipsync.core.face import BackendOptions
    from lipsync.core.models import SessionOptions

    return BackendOptions(session=SessionOptions(threads=TRACKING_THREADS))


def lower_face_bounds(face: FaceObservation, margin: float) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) px around the jaw and nose, widened by ``margin`` inter-ocular
    distances on every side: the only place a renderer may change."""
    points = np.concatenate([face.landmarks["jaw"], face.landmarks["nose"]], axis=0)
    pad = margin * face.inter_ocular
    (x0, y0), (x1, y1) = points.min(axis=0) - pad, points.max(axis=0) + pad
    return float(x0), float(y0), float(x1), float(y1)


def shift_face(face: FaceObservation, dx: float, dy: float) -> FaceObservation:
    """``face`` moved by (dx, dy) px: the same face in a region's own coordinates."""
    offset = np.array([dx, dy], np.float32)
    box = (face.box[0] + dx, face.box[1] + dy, face.box[2] + dx, face.box[3] + dy)
    landmarks = {g: np.asarray(p, np.float32) + offset for g, p in face.landmarks.items()}
    return dataclasses.replace(face, box=box, landmarks=landmarks)
