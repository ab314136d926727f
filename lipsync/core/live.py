"""Live mode: every frame leaves a fixed, small delay after it arrived.

    input thread ──► frames, stamped on arrival ──► worker thread: track, learn, render
                                       │                            │ (result or nothing)
                                       ▼                            ▼
               caller: frame i leaves at arrival_i + delay: rendered if ready, else untouched

Frames leave in order, none dropped, duplicated or reordered. The worker renders frames one by
one with no look-ahead (:meth:`~lipsync.core.sync_stream.SyncStream.render_now`); a frame it
cannot finish before its time (it is behind, or the frame would take longer than the time
left) leaves untouched and is counted as ``late``. A stalled input stalls nothing: frames
that have arrived still leave on time.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from lipsync.core.opencv_threads import opencv_in_callers

if TYPE_CHECKING:  # kept out of the import: the CLI reads the default delay from here
    from lipsync.core.sync_stream import InFrame, OutFrame, SyncStream
    from lipsync.core.types import FaceObservation

log = logging.getLogger("lipsync")

LIVE_DELAY_SECONDS = 0.16  # s from a frame's arrival to its leaving, by default
LIVE_EYES_PX = 64.0  # px between the eyes at most while rendering live (larger faces shrink)
COST_FRAMES = 9  # recent frames whose median cost is the estimate of the next one's (a median,
# not a running mean: the first frame (models warming, the first thorough detection, ~0.5 s on a
# loaded machine) and each later detection pass made every frame after it look hopeless)
SWITCH_SECONDS = 0.001  # s a busy thread holds the interpreter while another waits (5 ms
# by default: a frame due to leave would wait behind the tracking and rendering threads)
LIVE_THOROUGH_EVERY = 16  # detection passes per search for small new faces while a face is
# tracked (the tracker's default, 4, searched every 60 frames at 25 fps: 170 ms of CPU at 720p
# in one frame's tracking, and the frames behind it missed their time; now every ~10 s)
SPEECH_POLL_SECONDS = 0.004  # s between two looks at how far the speech is analysed
RENDER_MARGIN_SECONDS = 0.005  # s kept between the end of a frame's render and its leaving
LATE = "late"  # the reason counted for frames that could not be finished in time


@dataclass(eq=False)
class _Slot:
    item: InFrame
    due: float  # clock s at which the frame leaves
    entry: Any = None  # prepared (tracked, planned), not yet rendered
    result: Any = None
    gone: bool = False  # left (rendered or not): the worker skips or discards it
    # the frame's timeline (clock s; None: did not happen), logged as it leaves (--verbose)
    prepared: tuple[float, float] | None = None
    painted: tuple[float, float] | None = None
    skipped: str = ""  # "prepare" or "render": not tried, it could not be finished in time
    known: bool = True  # its speech was analysed far enough when its mouth was taken


class LiveStream:
    """Run ``stream`` live with ``delay`` seconds from arrival to leaving::

    live = LiveStream(stream, delay=0.2)
    for out in live.run(frames):        # InFrame in (as they arrive), OutFrame out, in order
        sink(out)
    live.late                           # frames that left untouched for lack of time

    ``clock`` is monotonic seconds (``time.monotonic``).
    """

    def __init__(
        self,
        stream: SyncStream,
        delay: float = LIVE_DELAY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        eyes: float | None = LIVE_EYES_PX,
    ) -> None:
        if not delay > 0:
            raise ValueError(f"the live delay must be positive seconds, not {delay!r}")
        self.stream = stream
        self.delay = float(delay)
        self.eyes = eyes  # px between the eyes at most while rendering (None: full size)
        self.clock = clock
        self._costs: deque[float] = deque(maxlen=COST_FRAMES)  # s; tracking, learning, planning
        self._render_costs: deque[float] = deque(maxlen=COST_FRAMES)  # s; rendering
        self._compose_costs: deque[float] = deque(maxlen=COST_FRAMES)  # s; putting it back
        self._cond = threading.Condition()
        self._slots: deque[_Slot] = deque()  # arrived, not yet left
        self._todo: deque[_Slot] = deque()  # arrived, not yet taken by the worker
        self._prepared: deque[_Slot] = deque()  # tracked and planned, not yet rendered
        self._drawn: deque[_Slot] = deque()  # rendered, not yet put into their frames
        self._ended = False
        self._done_preparing = False
        self._done_drawing = False
        self._stop = False
        self._failure: list[BaseException] = []

    @property
    def cost(self) -> float:
        """s: the estimate of one frame's tracking, learning and planning."""
        return _median(self._costs)

    @property
    def render_cost(self) -> float:
        """s: the estimate of one frame's rendering."""
        return _median(self._render_costs)

    @property
    def compose_cost(self) -> float:
        """s: the estimate of putting one frame's render back into it."""
        return _median(self._compose_costs)

    @property
    def late(self) -> int:
        return self.stream.counts[LATE]

    def run(self, frames: Iterable[InFrame]) -> Iterator[OutFrame]:
        """Every frame of ``frames`` in order, each ``delay`` s after it arrived."""
        with opencv_in_callers():
            yield from self._run(frames)

    def _run(self, frames: Iterable[InFrame]) -> Iterator[OutFrame]:
        tracker = self.stream.tracker(LIVE_THOROUGH_EVERY)
        info = self.stream.info
        tracker.update(np.zeros((info.height, info.width, 3), np.uint8))  # load its models now
        tracker.reset()
        reader = threading.Thread(target=self._read, args=(frames,), name="lipsync-live-in")
        worker = threading.Thread(target=self._work, args=(tracker,), name="lipsync-live-work")
        painter = threading.Thread(target=self._paint, name="lipsync-live-render")
        composer = threading.Thread(target=self._compose, name="lipsync-live-compose")
        reader.daemon = worker.daemon = painter.daemon = composer.daemon = True
        switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_SECONDS)
        reader.start()
        worker.start()
        painter.start()
        composer.start()
        try:
            while True:
                slot = self._next()
                if slot is None:
                    break
                yield self._leave(slot)
            if self._failure:
                raise self._failure[0]
        finally:
            with self._cond:
                self._stop = True
                self._cond.notify_all()
            worker.join(timeout=5)
            painter.join(timeout=5)
            composer.join(timeout=5)
            sys.setswitchinterval(switch)
            log.debug(
                "live: %d frames late; a frame took about %.0f ms to track and plan, %.0f ms "
                "to render", self.late, 1000 * self.cost, 1000 * self.render_cost,
            )  # fmt: skip

    # --- threads ------------------------------------------------------------------------------

    def _read(self, frames: Iterable[InFrame]) -> None:
        try:
            for item in frames:
                arrived = self.clock()
                with self._cond:
                    if self._stop:
                        return
                    if not self._slots and self.stream.first_time is None:
                        self.stream.begin(item)
                    slot = _Slot(item, arrived + self.delay)
                    self._slots.append(slot)
                    self._todo.append(slot)
                    self._cond.notify_all()
        except BaseException as e:  # raised in the caller after the frames before it
            self._failure.append(e)
        finally:
            with self._cond:
                self._ended = True
                self._cond.notify_all()

    def _work(self, tracker: Any) -> None:
        """Track, learn and plan each frame that can still be finished in time; hand it to
        the render thread (the two run side by side on consecutive frames)."""
        while True:
            with self._cond:
                while not self._todo and not self._stop and not self._ended:
                    self._cond.wait()
                if self._stop or not self._todo:
                    self._done_preparing = True
                    self._cond.notify_all()
                    return
                slot = self._todo.popleft()
                hopeless = self.clock() + self.cost + self._finishing() > slot.due
                if slot.gone or (hopeless and self._todo):
                    # behind, and this frame cannot be finished in time: it leaves untouched
                    # and the work goes on with a newer one (the newest is always tried: an
                    # estimate from a slow moment never stops rendering for good)
                    slot.skipped = "prepare"
                    continue
            started = self.clock()
            slot.entry = self._guard(self.stream.prepare_now, slot.item, tracker, self.eyes, True)
            if slot.entry is None:
                return
            ended = self.clock()
            slot.prepared = (started, ended)
            slot.known = not slot.entry.picked or slot.entry.time <= self.stream.known_until()
            self._costs.append(ended - started)
            with self._cond:
                self._prepared.append(slot)
                self._cond.notify_all()

    def _finishing(self) -> float:
        """s: the estimate of rendering a prepared frame and putting it back."""
        return self.render_cost + self.compose_cost

    def _paint(self) -> None:
        """Render each prepared frame that can still be finished in time (its region was cut
        out when it was prepared; it is put back by the compose thread, beside the next)."""
        try:
            while True:
                with self._cond:
                    while not self._prepared and not self._stop and not self._done_preparing:
                        self._cond.wait()
                    if self._stop or not self._prepared:
                        return
                    slot = self._prepared.popleft()
                    hopeless = self.clock() + self._finishing() > slot.due
                    if slot.gone or (hopeless and self._prepared):
                        slot.skipped = "render"
                        continue
                if not slot.known:
                    self._await_speech(slot)
                started = self.clock()
                if self._guard(self.stream.draw_now, slot.entry, self.eyes) is None:
                    return
                ended = self.clock()
                slot.painted = (started, ended)
                self._render_costs.append(ended - started)
                with self._cond:
                    self._drawn.append(slot)
                    self._cond.notify_all()
        finally:
            with self._cond:
                self._done_drawing = True
                self._cond.notify_all()

    def _compose(self) -> None:
        """Put each render back into its frame, unless the frame has left meanwhile."""
        while True:
            with self._cond:
                while not self._drawn and not self._stop and not self._done_drawing:
                    self._cond.wait()
                if self._stop or not self._drawn:
                    return
                slot = self._drawn.popleft()
                if slot.gone:
                    continue
            started = self.clock()
            if self._guard(self.stream.compose_now, slot.entry, self.eyes) is None:
                return
            ended = self.clock()
            assert slot.painted is not None
            slot.painted = (slot.painted[0], ended)
            self._compose_costs.append(ended - started)
            with self._cond:
                slot.result = slot.entry
                self._cond.notify_all()

    def _await_speech(self, slot: _Slot) -> None:
        """Wait until the speech at ``slot``'s frame is analysed (its mouth final), at most
        until the frame must start rendering, then take its mouth target again: prepared on
        arrival, a frame's speech has only just come (audio interleaved with the video, or
        beside it), and the analysis needs :data:`~lipsync.core.speech.incremental.
        LIVE_LOOKAHEAD_SECONDS` past it."""
        entry = slot.entry
        latest = slot.due - self._finishing() - RENDER_MARGIN_SECONDS
        while entry.time > self.stream.known_until() and self._stop is False:
            left = latest - self.clock()
            if left <= 0:
                break
            time.sleep(min(SPEECH_POLL_SECONDS, left))
        slot.known = self.stream.known_until() >= entry.time
        self.stream.retarget(entry)

    def _guard(self, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)``; None (the stream stopped, the error kept) when it raised."""
        try:
            return work(*args)
        except BaseException as e:
            with self._cond:
                self._failure.append(e)
                self._stop = True
                self._cond.notify_all()
            return None

    # --- leaving ------------------------------------------------------------------------------

    def _next(self) -> _Slot | None:
        """The oldest frame, once it is rendered or due (None: the input has ended)."""
        with self._cond:
            while True:
                if self._failure and self._stop:
                    return None
                if self._slots:
                    slot = self._slots[0]
                    wait = slot.due - self.clock()
                    if slot.result is not None or wait <= 0:
                        self._slots.popleft()
                        slot.gone = True
                        return slot
                    self._cond.wait(timeout=wait)
                elif self._ended:
                    return None
                else:
                    self._cond.wait()

    def _leave(self, slot: _Slot) -> OutFrame:
        wait = slot.due - self.clock()
        if wait > 0:  # rendered early: leave on time, so the delay stays fixed
            time.sleep(wait)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s", timeline(slot, self.clock(), self.delay))
        if slot.result is not None:
            return self.stream.emit(slot.result)
        return self.stream.untouched(slot.item, LATE)


def timeline(slot: _Slot, left: float, delay: float) -> str:
    """One line on a frame as it leaves at ``left`` (clock s): ms from its arrival to each
    step: ``live frame 12 +0 prepare 3-41 render 41-80 due 160 left 161 rendered``."""
    arrived = slot.due - delay

    def span(name: str, times: tuple[float, float] | None) -> str:
        if times is None:
            return f" {name} -"
        return f" {name} {1000 * (times[0] - arrived):.0f}-{1000 * (times[1] - arrived):.0f}"

    if slot.result is not None:
        outcome = "rendered"
    elif slot.skipped:
        outcome = f"late (skipped at {slot.skipped})"
    else:
        outcome = "late (unfinished)"
    speech = "" if slot.known else " (speech not yet analysed)"
    return (
        f"live frame {slot.item.index}{span('prepare', slot.prepared)}"
        f"{span('render', slot.painted)} due {1000 * delay:.0f} left "
        f"{1000 * (left - arrived):.0f} {outcome}{speech}"
    )


def _median(costs: deque[float]) -> float:
    """The median of recent costs (s; 0 before the first; another thread may append)."""
    recent = sorted(tuple(costs))  # tuple(): copied at once, under the interpreter lock
    return recent[len(recent) // 2] if recent else 0.0


# --- the reduced render: a large face renders smaller, its change enlarged back ----------------


def shrink(
    picture: np.ndarray, face: FaceObservation, eyes: float
) -> tuple[np.ndarray, FaceObservation] | None:
    """``picture`` (``uint8 (h, w, 3)``) and ``face`` (its coordinates) scaled down so that the
    eyes are ``eyes`` px apart; None when they are no further apart than that already."""
    import cv2

    scale = eyes / face.inter_ocular if face.inter_ocular > 0 else 1.0
    if scale >= 1.0:
        return None
    h, w = picture.shape[:2]
    size = (max(2, round(w * scale)), max(2, round(h * scale)))
    small = cv2.resize(picture, size, interpolation=cv2.INTER_AREA)
    sx, sy = size[0] / w, size[1] / h
    factor = np.array([sx, sy], np.float32)
    box = (face.box[0] * sx, face.box[1] * sy, face.box[2] * sx, face.box[3] * sy)
    landmarks = {g: np.asarray(p, np.float32) * factor for g, p in face.landmarks.items()}
    return small, dataclasses.replace(face, box=box, landmarks=landmarks)


def enlarge(before: np.ndarray, small: np.ndarray, small_after: np.ndarray) -> np.ndarray:
    """``before`` (``uint8 (h, w, 3)``) plus the change from ``small`` to ``small_after`` (its
    reduced render), enlarged to its size (bilinear, pixel centres aligned as ``cv2.resize``
    aligns them): pixels whose neighbourhood did not change keep their exact values. Only the
    box around the change is enlarged."""
    import cv2

    diff = cv2.absdiff(small_after, small)
    x, y, w, h = cv2.boundingRect(diff[..., 0] | diff[..., 1] | diff[..., 2])
    out = before.copy()
    if w == 0 or h == 0:
        return out
    big_h, big_w = before.shape[:2]
    fx, fy = small.shape[1] / big_w, small.shape[0] / big_h  # small px per px
    x0, y0 = max(0, x - 1), max(0, y - 1)
    x1, y1 = min(small.shape[1], x + w + 1), min(small.shape[0], y + h + 1)
    change = small_after[y0:y1, x0:x1].astype(np.float32) - small[y0:y1, x0:x1]
    # the full-size pixels whose bilinear source lies within the box
    bx0, by0 = max(0, int((x0 + 0.5) / fx - 0.5)), max(0, int((y0 + 0.5) / fy - 0.5))
    bx1 = min(big_w, int(np.ceil((x1 - 0.5) / fx + 0.5)))
    by1 = min(big_h, int(np.ceil((y1 - 0.5) / fy + 0.5)))
    # full-size pixel X samples the small picture at (X + 0.5) * fx - 0.5 (cv2.resize)
    to_small = np.array(
        [[fx, 0.0, (bx0 + 0.5) * fx - 0.5 - x0], [0.0, fy, (by0 + 0.5) * fy - 0.5 - y0]]
    )
    change = cv2.warpAffine(
        change, to_small, (bx1 - bx0, by1 - by0),
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip
    box = out[by0:by1, bx0:bx1]
    box[...] = np.clip(np.rint(box + change), 0, 255)
    return out
