"""``lipsync-filter --live`` on real pipes and the live stream under it: frames fed in real
time leave in order, each a fixed delay after it came in; a stalled speech input stalls no
frame; a closed reader ends it quietly (141)."""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time

import numpy as np
import pytest
from clitools import script

from lipsync.core.demo import write_portrait_clip
from lipsync.core.engine import LipSyncEngine, SyncOptions, decoded_frames
from lipsync.core.live import LATE, LiveStream
from lipsync.core.media import open_video, save_audio
from lipsync.core.speech import synthesize, write_sidecar
from lipsync.core.speech.incremental import LiveCurve
from lipsync.core.sync_stream import SyncStream

SIZE = (480, 270)
FPS = 25
DELAY = 0.16
SLACK = 0.15  # s a loaded 2-core machine may add to a frame's trip through two pipes
MARK = 16  # luma samples stamped with the frame index (top-left: outside the lower face)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live")
    syn = synthesize("Bob bought a map for Mom.", "en-us")
    speech = save_audio(folder / "line.wav", syn.samples, syn.sample_rate)
    write_sidecar(speech, syn.events)
    clip = write_portrait_clip(folder / "clip.mp4", 2.0, size=SIZE)
    y4m = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(clip), "-f", "yuv4mpegpipe", "-"],
        capture_output=True,
        check=True,
    ).stdout
    header = y4m[: y4m.index(b"\n") + 1]
    size = SIZE[0] * SIZE[1] * 3 // 2
    frames = []
    for k, at in enumerate(range(len(header), len(y4m), 6 + size)):
        picture = bytearray(y4m[at + 6 : at + 6 + size])
        picture[:MARK] = bytes(235 if k >> b & 1 else 16 for b in range(MARK))
        frames.append(bytes(picture))
    return clip, speech, header, size, frames


def index_of(picture: bytes) -> int:
    return sum(1 << b for b in range(MARK) if picture[b] > 128)


def live_filter(speech, *args: str) -> subprocess.Popen:
    argv = [script("lipsync-filter"), "-q", "--live", "--live-delay", str(DELAY)]
    return subprocess.Popen(
        [*argv, "--audio", str(speech), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def feed(proc, header: bytes, frames: list[bytes], t_in: list[float], close=True) -> None:
    """Write the header, wait for the filter to start, then one frame every 1/25 s."""
    with contextlib.suppress(BrokenPipeError):
        proc.stdin.write(header)
        proc.stdin.flush()
        time.sleep(4.0)
        t0 = time.perf_counter()
        for i, picture in enumerate(frames):
            time.sleep(max(0.0, t0 + i / FPS - time.perf_counter()))
            t_in.append(time.perf_counter())
            proc.stdin.write(b"FRAME\n" + picture)
            proc.stdin.flush()
        if close:
            proc.stdin.close()


def test_frames_fed_in_real_time_leave_in_order_after_the_fixed_delay(media):
    _, speech, header, size, frames = media
    proc = live_filter(speech)
    t_in: list[float] = []
    threading.Thread(target=feed, args=(proc, header, frames, t_in), daemon=True).start()
    assert proc.stdout.readline() == header
    order, added, changed = [], [], 0
    while head := proc.stdout.read(6):
        assert head == b"FRAME\n"
        picture = proc.stdout.read(size)
        k = index_of(picture)
        added.append(time.perf_counter() - t_in[k])
        order.append(k)
        changed += picture != frames[k]
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert order == list(range(len(frames)))  # none dropped, duplicated or reordered
    added = np.array(added)
    assert added.min() >= DELAY - 0.01  # never earlier than the delay: it is fixed
    assert np.percentile(added, 95) <= DELAY + SLACK
    assert changed > 0  # some frames were lip-synced in time


def test_a_stalled_speech_input_stalls_no_frame(media):
    clip, *_ = media
    engine = LipSyncEngine(SyncOptions())
    with open_video(clip) as reader:
        info = reader.info
        curve = LiveCurve(FPS, background=True)  # the speech never arrives
        stream = SyncStream(engine.renderer, engine.options, info, curve)
        arrived: dict[int, float] = {}

        def frames():
            t0 = time.monotonic()
            for item in decoded_frames(reader.iter_decoded(), info):
                time.sleep(max(0.0, t0 + item.index / FPS - time.monotonic()))
                arrived[item.index] = time.monotonic()
                yield item

        live = LiveStream(stream, DELAY)
        left = [(out.index, time.monotonic()) for out in live.run(frames())]
        assert curve.known_until < 0  # nothing was known, and nothing waited for it
        curve.finish()
    assert [i for i, _ in left] == list(range(info.frame_count or len(left)))
    waits = np.array([t - arrived[i] for i, t in left])
    assert waits.max() <= DELAY + 0.1, waits.max()
    assert stream.frames == len(left)
    assert stream.rendered + sum(stream.counts.values()) == len(left)
    assert LATE in stream.counts or stream.rendered > 0


def test_a_reader_that_closes_early_stops_the_live_filter_quietly(media):
    _, speech, header, size, frames = media
    proc = live_filter(speech)
    threading.Thread(target=feed, args=(proc, header, frames, []), daemon=True).start()
    proc.stdout.read(len(header) + 5 * (6 + size))
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141, err
    assert b"Traceback" not in err and b"error" not in err
