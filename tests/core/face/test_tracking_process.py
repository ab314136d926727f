"""Face tracking in a child process: the same faces as in this process, to the bit, on a real
speaker; its errors and its death reach the caller as one sentence; children are reused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.face import BackendOptions, FaceTracker, TrackerOptions, tracking_process
from lipsync.core.face.tracking_process import DEPTH, TrackingProcess, borrow, give_back
from lipsync.core.media import open_video

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the tracking process is POSIX's")
CLIP = Path(__file__).resolve().parents[2] / "data" / "retalking_face3_2s.mp4"
OPTIONS = TrackerOptions(fps=25.0, detect_every=7)  # detection passes inside 20 frames


@pytest.fixture(scope="module")
def frames() -> list[np.ndarray]:
    """20 frames of a real speaker (400x400)."""
    with open_video(CLIP) as reader:
        return [frame.image for _, frame in zip(range(20), reader, strict=False)]


@pytest.fixture()
def child():
    process = TrackingProcess()
    yield process
    process.close()


def assert_same_faces(got, want):
    assert len(got) == len(want)
    for a, b in zip(got, want, strict=True):
        assert a.track_id == b.track_id and a.box == b.box and a.pose == b.pose
        assert a.confidence == b.confidence
        assert a.landmarks.keys() == b.landmarks.keys()
        for name in a.landmarks:
            np.testing.assert_array_equal(a.landmarks[name], b.landmarks[name])


def test_the_child_finds_the_same_faces_as_this_process(frames, child):
    inline = FaceTracker(OPTIONS)
    want = [inline.update(image) for image in frames]
    assert all(len(faces) == 1 for faces in want)
    child.begin(OPTIONS)
    got = []
    for image in frames:
        child.submit(image)
        assert child.pending <= DEPTH
        if child.pending == DEPTH:
            got.append(child.collect())
    while child.pending:
        got.append(child.collect())
    for g, w in zip(got, want, strict=True):
        assert_same_faces(g, w)
    # a new tracker starts afresh (ids from 0 again), like a new FaceTracker
    child.begin(OPTIONS)
    child.submit(frames[0])
    assert_same_faces(child.collect(), want[0])


def test_a_bigger_picture_gets_a_bigger_ring_and_the_same_faces(frames, child):
    small = [np.ascontiguousarray(image[::2, ::2]) for image in frames[:4]]
    sequence = [*small, *frames[4:8]]  # the ring grows with frames of the small size in it
    inline = FaceTracker(OPTIONS)
    want = [inline.update(image) for image in sequence]
    child.begin(OPTIONS)
    for image in sequence:
        child.submit(image)
    got = [child.collect() for _ in sequence]
    for g, w in zip(got, want, strict=True):
        assert_same_faces(g, w)


def test_reset_forgets_the_tracks_in_order(frames, child):
    inline = FaceTracker(OPTIONS)
    child.begin(OPTIONS)
    for image in frames[:3]:
        inline.update(image)
        child.submit(image)
    inline.reset()
    child.reset()  # after the three frames already submitted
    want = inline.update(frames[3])
    child.submit(frames[3])
    got = [child.collect() for _ in range(4)]
    assert_same_faces(got[3], want)
    assert want[0].track_id == 1  # a new track: the reset reached the child's tracker


def test_an_error_in_the_child_is_raised_at_its_frame(frames, child):
    child.begin(OPTIONS)
    child.submit(frames[0])
    child.submit(frames[1].astype(np.float32).astype(np.uint8)[..., :2].copy())  # 2 channels
    assert len(child.collect()) == 1
    with pytest.raises(InputError, match="RGB"):
        child.collect()
    assert child.broken  # not given to the next stream


def test_a_child_that_dies_is_one_sentence(frames, child):
    child.begin(OPTIONS)
    os.kill(child._process.pid, signal.SIGKILL)
    child._process.wait()
    with pytest.raises(ProcessingError, match=r"ended unexpectedly \(exit code -9\).*=0"):
        child.submit(frames[0])
        child.collect()


def test_children_are_reused_and_the_broken_ones_ended(frames):
    first = borrow()
    first.begin(OPTIONS)
    first.submit(frames[0])
    first.collect()
    give_back(first)
    again = borrow()
    assert again is first  # kept, with its models loaded
    again.submit(frames[0])
    give_back(again)  # a frame still in its hands: not kept
    assert again._process.wait(timeout=10) == 0
    assert borrow() is not again


def test_the_environment_and_a_bundled_app_turn_it_off(monkeypatch):
    monkeypatch.setenv(tracking_process.ENV, "0")
    assert not tracking_process.available()
    monkeypatch.setenv(tracking_process.ENV, "1")
    assert tracking_process.available() == (len(os.sched_getaffinity(0)) >= 2)
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # sys.executable: the app
    assert not tracking_process.available()


@pytest.mark.skipif(sys.platform != "linux", reason="/dev/shm and /proc are Linux's")
def test_a_full_dev_shm_puts_the_ring_on_disk(frames, child, monkeypatch):
    """Where /dev/shm has no room (a container's is 64 MiB) the ring is reserved in the
    temporary folder instead, with the same faces; where nothing has room, one sentence."""
    reserve = os.posix_fallocate
    places = []

    def full_shm(fd, offset, size):
        place = os.path.dirname(os.readlink(f"/proc/self/fd/{fd}"))
        places.append(place)
        if place == tracking_process._SHM:
            raise OSError(28, "No space left on device")
        reserve(fd, offset, size)

    monkeypatch.setattr(os, "posix_fallocate", full_shm)
    child.begin(OPTIONS)
    child.submit(frames[0])
    assert_same_faces(child.collect(), FaceTracker(OPTIONS).update(frames[0]))
    assert places == [tracking_process._SHM, tempfile.gettempdir()]

    def nowhere(fd, offset, size):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "posix_fallocate", nowhere)
    with pytest.raises(ProcessingError, match=r"no room for the face tracker's frames .*=0"):
        child.submit(np.ascontiguousarray(np.vstack([frames[0], frames[1]])))  # a bigger ring


def test_warm_up_starts_one_child_for_the_next_stream(frames):
    if not tracking_process.available():
        pytest.skip("one core: no child is started")
    tracking_process.close_idle()
    tracking_process.warm_up()
    tracking_process.warm_up()  # one is idle already: no second
    assert len(tracking_process._IDLE) == 1
    warmed = tracking_process._IDLE[0]
    child = borrow()
    assert child is warmed and not tracking_process._IDLE
    child.begin(OPTIONS)
    child.submit(frames[0])
    assert_same_faces(child.collect(), FaceTracker(OPTIONS).update(frames[0]))
    give_back(child)


def test_warm_up_has_the_idle_child_load_the_streams_backend_unwaited(frames):
    """warm_up(backend) asks the idle child to load the backend's models and does not wait
    for it; the stream's begin then gets the same faces, and a second warm_up asks nothing."""
    if not tracking_process.available():
        pytest.skip("one core: no child is started")
    tracking_process.close_idle()
    tracking_process.warm_up()
    tracking_process.warm_up(OPTIONS.backend)
    assert len(tracking_process._IDLE) == 1
    child = tracking_process._IDLE[0]
    assert list(child._waiting) == ["loaded"]  # asked, its answer not waited for
    tracking_process.warm_up(OPTIONS.backend)
    assert list(child._waiting) == ["loaded"]  # asked once
    child = borrow()
    child.begin(OPTIONS)  # the load's answer, then the tracker's
    assert not child._waiting
    child.submit(frames[0])
    assert_same_faces(child.collect(), FaceTracker(OPTIONS).update(frames[0]))
    give_back(child)


def test_a_backend_that_cannot_load_is_raised_by_the_next_request(child):
    """The child's load fails as the tracker's own construction would: the error comes back
    at begin, and the child is not given to another stream."""
    nowhere = BackendOptions(name="nowhere")
    child.load(nowhere)  # not waited for: no error yet
    with pytest.raises(InputError, match="'nowhere' is not known"):
        child.begin(TrackerOptions(backend=nowhere))
    assert child.broken


def test_the_child_ends_at_once_keeping_what_it_printed():
    """Once its pipe closes the child leaves without tearing its interpreter down (os._exit),
    exit code 0, and what it printed (its stdout goes to stderr) is not lost in a buffer."""
    code = (
        "import lipsync.core.face.tracking_process as t\n"
        "serve = t.serve\n"
        "def printing(source, sink):\n"
        "    serve(source, sink)\n"
        "    print('printed at the end')\n"
        "t.serve = printing\n"
        "t.main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], input=b"", capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr.endswith(b"printed at the end\n") and done.stdout == b""
