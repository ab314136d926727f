"""Face tracking in a process of its own, a few frames ahead of the caller.

The engine tracks in one thread while another renders, but the two share Python's
interpreter lock, and the tracker's Python (crops, pose, smoothing, the model's pre- and
post-processing) holds it: at 480x270 the filter's two threads ran one after the other, one
core busy while the other waited. Here the tracker runs in a child process, on the other
core: frames go to it through shared memory, its observations come back through a pipe, in
order, up to :data:`DEPTH` frames behind.

    parent: submit(image) ──► ring slot + ("frame", slot) ──pipe──► child: FaceTracker.update
    parent: collect() ◄── [FaceObservation, …] ◄──pipe── child

The child runs the very :class:`~.tracker.FaceTracker` the caller would (same options, same
single-threaded onnxruntime), so the observations are the same to the bit. Its exceptions come
back and are raised by :meth:`TrackingProcess.collect`, at the frame they belong to; a child
that dies is a :class:`~lipsync.core.errors.ProcessingError`. Children are kept and reused
(:func:`borrow`, :func:`give_back`), so a program that lip-syncs many clips starts one. The child is
``python -m`` this module (:mod:`lipsync.core.child_process`); it ends when its pipe closes,
also when the parent is killed.
"""

from __future__ import annotations

import atexit
import mmap
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
from collections import deque
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

import numpy as np

from lipsync.core.child_process import child_connections, start_child
from lipsync.core.errors import ProcessingError

if TYPE_CHECKING:
    from lipsync.core.face.landmark_backend import BackendOptions
    from lipsync.core.face.tracker import FaceTracker, TrackerOptions
    from lipsync.core.types import FaceObservation

DEPTH = 3  # frames in the child's hands at once (and ring slots: 3 frames of memory)
ENV = "LIPSYNC_TRACKING_PROCESS"  # "0": track in the caller's process
KEEP_IDLE = 2  # children kept for reuse
_SHM = "/dev/shm"  # the ring's folder where it exists (memory, not disk)


def available() -> bool:
    """Whether tracking in a child process can help and work here: two cores or more for
    this process, POSIX (shared memory by file), a Python that ``sys.executable`` starts (not
    a bundled app), and not turned off with ``LIPSYNC_TRACKING_PROCESS=0``."""
    if os.environ.get(ENV, "1").strip() == "0" or os.name != "posix":
        return False
    if getattr(sys, "frozen", False):  # a bundled app: sys.executable is the app, not Python
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) >= 2


class TrackingProcess:
    """A child process running a :class:`~.tracker.FaceTracker`::

    child = borrow()
    child.load(BackendOptions())            # optional: its models load now, unwaited for
    child.begin(TrackerOptions(fps=25.0))   # a new tracker (ids from 0)
    child.submit(image)                     # at most DEPTH not yet collected
    faces = child.collect()                 # the oldest submitted frame's faces
    give_back(child)
    """

    def __init__(self) -> None:
        self._process, self._out, self._in = start_child(__name__)
        self._ring: mmap.mmap | None = None
        self._slot_bytes = 0
        self._next_slot = 0
        self._waiting: deque[str] = deque()  # the kinds of the requests not yet answered
        self._ready: deque[list[FaceObservation]] = deque()  # faces received, not collected
        self._loaded: set[BackendOptions] = set()  # backends asked to load (see load)
        self.broken = False

    @property
    def pending(self) -> int:
        """Frames submitted and not yet collected."""
        return self._in_child() + len(self._ready)

    def _in_child(self) -> int:
        """Frames submitted whose faces have not come back yet (each holds a ring slot)."""
        return sum(kind == "frame" for kind in self._waiting)

    def load(self, backend: BackendOptions) -> None:
        """Have the child load ``backend``'s models now (its imports, its onnxruntime
        sessions), without waiting for it: a :meth:`begin` with that backend then finds them
        loaded. A failure to load is raised by the next request that waits."""
        if backend not in self._loaded:
            self._request(("load", backend), "loaded")
            self._loaded.add(backend)

    def begin(self, options: TrackerOptions) -> None:
        """Start a new tracker with ``options`` (every frame collected first)."""
        if self.pending:
            raise ProcessingError("A tracking process was given a new tracker mid-stream.")
        self._request(("tracker", options), "ok")

    def reset(self) -> None:
        """Forget every track, as :meth:`~.tracker.FaceTracker.reset` (in order)."""
        self._request(("reset",), "ok")

    def submit(self, image: np.ndarray) -> None:
        """Hand RGB ``uint8 (H, W, 3)`` ``image`` to the tracker (it is copied)."""
        while self._in_child() >= DEPTH:  # its slot is the oldest one's: wait for that frame
            self._ready.append(self._answer_frame())
        if image.nbytes > self._slot_bytes:
            self._new_ring(image.nbytes)
        assert self._ring is not None
        slot = self._next_slot
        self._next_slot = (slot + 1) % DEPTH
        offset = slot * self._slot_bytes
        view = np.frombuffer(self._ring, np.uint8, image.nbytes, offset).reshape(image.shape)
        np.copyto(view, image)
        del view  # no export of the ring outlives the copy (the ring can then be closed)
        self._request(("frame", slot, image.shape), "frame")

    def collect(self) -> list[FaceObservation]:
        """The faces of the oldest frame submitted and not yet collected, or the exception
        tracking it raised."""
        if self._ready:
            return self._ready.popleft()
        if not self.pending:
            raise ProcessingError("No frame was given to the tracking process to collect.")
        return self._answer_frame()

    def close(self) -> None:
        """End the child (it exits when its pipe closes) and free the ring."""
        for conn in (self._out, self._in):
            conn.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._ring is not None:
            self._ring.close()
            self._ring = None

    # --- the pipe ------------------------------------------------------------------------------

    def _request(self, message: tuple, kind: str) -> None:
        try:
            self._out.send(message)
        except (OSError, ValueError) as e:
            raise self._died() from e
        self._waiting.append(kind)
        if kind == "ok":  # answers come in order: wait for this one (the last) now
            while self._waiting:
                if self._waiting[0] == "frame":
                    self._ready.append(self._answer_frame())
                else:
                    self._receive()

    def _answer_frame(self) -> list[FaceObservation]:
        faces = self._receive()
        assert isinstance(faces, list)
        return faces

    def _receive(self) -> Any:
        self._waiting.popleft()
        try:
            kind, value = self._in.recv()
        except (EOFError, OSError) as e:
            raise self._died() from e
        if kind == "error":
            self.broken = True
            raise value
        return value

    def _died(self) -> ProcessingError:
        self.broken = True
        code = self._process.poll()
        return ProcessingError(
            "The face-tracking process ended unexpectedly"
            + (f" (exit code {code})" if code is not None else "")
            + f"; run again, or set {ENV}=0 to track in the main process."
        )

    def _new_ring(self, slot_bytes: int) -> None:
        """A shared file of DEPTH slots of ``slot_bytes``, mapped here and in the child (its
        name unlinked once the child has it open)."""
        while self._waiting:  # frames still in the old ring
            self._ready.append(self._answer_frame())
        fd, path = _reserved_file(slot_bytes * DEPTH)
        try:
            ring = mmap.mmap(fd, slot_bytes * DEPTH)
            self._request(("ring", path, slot_bytes), "ok")
        finally:
            os.close(fd)
            os.unlink(path)
        if self._ring is not None:
            self._ring.close()
        self._ring, self._slot_bytes, self._next_slot = ring, slot_bytes, 0


def _reserved_file(size: int) -> tuple[int, str]:
    """(descriptor, path) of a new file of ``size`` bytes whose room is reserved, in memory
    (``/dev/shm``) when it has the room, else in the temporary folder. Reserved, not merely
    sized: a mapped page that finds no room when first written kills the process with SIGBUS
    (a container's ``/dev/shm`` is 64 MiB by default: three 4K frames are 75 MB)."""
    folders = [f for f in (_SHM, tempfile.gettempdir()) if os.path.isdir(f)]
    for folder in dict.fromkeys(folders):
        fd, path = tempfile.mkstemp(prefix="lipsync-track-", dir=folder)
        try:
            if hasattr(os, "posix_fallocate"):
                os.posix_fallocate(fd, 0, size)
            else:  # macOS: sized only (its temporary folder is on disk)
                os.ftruncate(fd, size)
            return fd, path
        except OSError:
            os.close(fd)
            os.unlink(path)
    raise ProcessingError(
        f"There is no room for the face tracker's frames ({size / 2**20:.0f} MiB) in "
        f"{' or '.join(folders)}: free some, or set {ENV}=0 to track in the main process."
    )


# --- children kept for reuse ---------------------------------------------------------------------

_IDLE: list[TrackingProcess] = []
_LOCK = threading.Lock()


def borrow() -> TrackingProcess:
    """An idle child (one :func:`warm_up` started, or one given back), or a new one."""
    with _LOCK:
        if _IDLE:
            return _IDLE.pop()
    return TrackingProcess()


def give_back(child: TrackingProcess, healthy: bool = True) -> None:
    """Keep ``child`` for the next :func:`borrow` if ``healthy`` (every frame collected, no
    error); else end it."""
    if healthy and not child.broken and not child.pending and child._process.poll() is None:
        with _LOCK:
            if len(_IDLE) < KEEP_IDLE:
                _IDLE.append(child)
                return
    child.close()


def warm_up(backend: BackendOptions | None = None) -> None:
    """Start a child now if none is idle, so that its imports load while the caller reads its
    speech (a child's start costs ~0.3 s of CPU); with ``backend`` (the one the stream will
    track with), the idle child also loads its models (:meth:`TrackingProcess.load`: 0.14 s
    of CPU that the stream's first frame would otherwise wait for)."""
    if not available():
        return
    with _LOCK:
        child = _IDLE.pop() if _IDLE else None
    if child is None:
        child = TrackingProcess()
    healthy = True
    if backend is not None:
        try:
            child.load(backend)
        except ProcessingError:  # it died: the stream starts another, or tracks in its process
            healthy = False
    give_back(child, healthy)


@atexit.register
def close_idle() -> None:
    """End the idle children (at exit, or to measure their memory: once waited for, a child's
    peak counts in ``resource.RUSAGE_CHILDREN``)."""
    with _LOCK:
        children, _IDLE[:] = list(_IDLE), []
    for child in children:
        child.close()


# --- the child -----------------------------------------------------------------------------------


def serve(source: Connection, sink: Connection) -> None:
    """The child: requests in from ``source``, one answer each to ``sink``, in order:
    ``("ok", None)``, ``("faces", [FaceObservation, …])`` or ``("error", exception)``."""
    import cv2

    from lipsync.core.face.backend import create_backend
    from lipsync.core.face.tracker import FaceTracker

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    # OpenCV's calls here are small (a crop, a pose): its worker pool only spun beside them
    # (0.6-1.5 ms of CPU a frame at 480x270); the same pixels in the calling thread
    cv2.setNumThreads(1)
    tracker: FaceTracker | None = None
    ring: mmap.mmap | None = None
    slot_bytes = 0
    while True:
        try:
            message = source.recv()
        except (EOFError, OSError):  # the parent has gone, or is done with us
            return
        try:
            kind = message[0]
            if kind == "frame":
                _, slot, shape = message
                assert tracker is not None and ring is not None
                count = int(np.prod(shape))
                image = np.frombuffer(ring, np.uint8, count, slot * slot_bytes).reshape(shape)
                answer: tuple[str, Any] = ("faces", tracker.update(image))
                del image
            elif kind == "tracker":
                tracker = FaceTracker(message[1])
                answer = ("ok", None)
            elif kind == "load":  # the sessions stay in load_session's cache for the tracker
                create_backend(message[1])
                answer = ("ok", None)
            elif kind == "ring":
                _, path, slot_bytes = message
                if ring is not None:
                    ring.close()
                with open(path, "r+b") as file:
                    ring = mmap.mmap(file.fileno(), slot_bytes * DEPTH)
                answer = ("ok", None)
            elif kind == "reset":
                assert tracker is not None
                tracker.reset()
                answer = ("ok", None)
            else:
                raise ProcessingError(f"The tracking process got an unknown request {kind!r}.")
        except Exception as e:  # handed back, raised by the parent
            answer = ("error", _portable(e))
        try:
            sink.send(answer)
        except (OSError, ValueError):
            return


def _portable(error: Exception) -> Exception:
    """``error`` if it survives pickling, else a ProcessingError with its message."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return ProcessingError(f"Face tracking failed: {type(error).__name__}: {error}")


def main() -> None:
    """``python -m lipsync.core.face.tracking_process``: :func:`serve` on stdin / stdout
    (anything printed goes to stderr: stdout carries the answers). Once the parent is done,
    the process ends at once: tearing down its interpreter (numpy, OpenCV, onnxruntime and
    their sessions) took 60 ms that the parent waits for as it exits, after the last frame."""
    serve(*child_connections())
    for stream in (sys.stdout, sys.stderr):  # what was printed (both go to stderr) is kept
        stream.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
