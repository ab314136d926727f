"""``lipsync-filter --live`` and ``--audio-url`` on real pipes: Ctrl-C leaves whole frames only,
speech read from a FIFO drives the mouth, a speech FIFO that stalls stalls no frame, frames that
could never be finished in time are reported as late (not as faceless), bad speech inputs are one
sentence."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import wave

import numpy as np
import pytest
from clitools import script

from lipsync.core.demo import write_portrait_clip
from lipsync.core.media import save_audio
from lipsync.core.speech import synthesize

SIZE = (480, 270)
FPS = 25
DELAY = 0.16
SLACK = 0.25  # s a loaded 2-core machine may add to a frame's trip through two pipes


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("live_pipes")
    syn = synthesize("Bob bought a map for Mom. Maybe Pam will bring a pie.", "en-us")
    speech = save_audio(folder / "line.wav", syn.samples, syn.sample_rate)  # no sidecar
    clip = write_portrait_clip(folder / "clip.mp4", 2.4, size=SIZE)
    y4m = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(clip), "-f", "yuv4mpegpipe", "-"],
        capture_output=True,
        check=True,
    ).stdout
    header = y4m[: y4m.index(b"\n") + 1]
    one = 6 + SIZE[0] * SIZE[1] * 3 // 2
    frames = [y4m[at : at + one] for at in range(len(header), len(y4m), one)]
    return folder, speech, header, frames


def _default_sigint() -> None:
    # a background job of a non-interactive shell inherits SIGINT ignored: give the child
    # what a terminal's foreground process has (as tests/cli/test_overwrite_rules.py does)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(*args: str, bufsize: int = -1) -> subprocess.Popen:
    return subprocess.Popen(
        [script("lipsync-filter"), "-q", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_default_sigint,
        bufsize=bufsize,
    )


def read_exactly(raw, size: int) -> bytes:
    """``size`` bytes from an unbuffered pipe (fewer only at its end)."""
    parts, left = [], size
    while left and (part := raw.read(left)):
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def feed(proc, header, frames, t_in=None, wait=4.0, close=True) -> None:
    """The header, a wait for the filter to start, then one frame every 1/25 s."""
    with contextlib.suppress(BrokenPipeError, ValueError):
        proc.stdin.write(header)
        proc.stdin.flush()
        time.sleep(wait)
        t0 = time.perf_counter()
        for i, frame in enumerate(frames):
            time.sleep(max(0.0, t0 + i / FPS - time.perf_counter()))
            if t_in is not None:
                t_in.append(time.perf_counter())
            proc.stdin.write(frame)
            proc.stdin.flush()
        if close:
            proc.stdin.close()


def read_frames(proc, header, one, t_out=None) -> list[bytes]:
    assert proc.stdout.readline() == header
    out = []
    while frame := proc.stdout.read(one):
        if t_out is not None:
            t_out.append(time.perf_counter())
        out.append(frame)
    return out


def test_ctrl_c_in_live_mode_leaves_whole_frames_and_one_line(media):
    _, speech, header, frames = media
    one = len(frames[0])
    proc = start("--live", "--audio", str(speech), bufsize=0)  # communicate() reads the rest
    threading.Thread(target=feed, args=(proc, header, frames * 4), daemon=True).start()
    first = read_exactly(proc.stdout, len(header) + 10 * one)  # the filter is running live
    assert first.startswith(b"YUV4MPEG2")
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    data = first + rest
    assert (len(data) - len(header)) % one == 0  # whole frames only
    assert len(data) < len(header) + 4 * len(frames) * one  # it stopped before the end
    for at in range(len(header), len(data), one):
        assert data[at : at + 6] == b"FRAME\n"
    lines = err.decode().strip().splitlines()
    assert lines == ["lipsync-filter: error: interrupted; the frames already written are whole."]


def wav_header(rate: int, width: int, channels: int, size: int) -> bytes:
    """The 44-byte header of a PCM WAV holding ``size`` bytes of samples."""
    block = width * channels
    return (
        b"RIFF" + (36 + size).to_bytes(4, "little") + b"WAVEfmt "
        + (16).to_bytes(4, "little") + (1).to_bytes(2, "little")
        + channels.to_bytes(2, "little") + rate.to_bytes(4, "little")
        + (rate * block).to_bytes(4, "little") + block.to_bytes(2, "little")
        + (8 * width).to_bytes(2, "little") + b"data" + size.to_bytes(4, "little")
    )  # fmt: skip


def fifo_writer(fifo, wav, stall_after: float | None = None) -> threading.Thread:
    """A thread writing the WAV ``wav`` into ``fifo`` in real time; with ``stall_after``, it
    stops writing after that many seconds of sound and keeps the FIFO open for 30 s."""

    def run() -> None:
        with wave.open(str(wav), "rb") as w:
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
            pcm = w.readframes(w.getnframes())
        with contextlib.suppress(BrokenPipeError), open(fifo, "wb") as f:
            f.write(wav_header(rate, width, channels, len(pcm)))
            block = rate // 10 * width * channels
            t0 = time.perf_counter()
            for k, at in enumerate(range(0, len(pcm), block)):
                if stall_after is not None and k / 10 >= stall_after:
                    time.sleep(30)
                    return
                time.sleep(max(0.0, t0 + k / 10 - time.perf_counter()))
                f.write(pcm[at : at + block])
                f.flush()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_speech_from_a_fifo_drives_the_mouth(media, tmp_path):
    _, speech, header, frames = media
    fifo = tmp_path / "speech.fifo"
    os.mkfifo(fifo)
    fifo_writer(fifo, speech)
    proc = start("--audio-url", str(fifo))  # not live: frames wait for their speech
    threading.Thread(
        target=feed, args=(proc, header, frames), kwargs={"wait": 0.5}, daemon=True
    ).start()
    out = read_frames(proc, header, len(frames[0]))
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert len(out) == len(frames)
    changed = sum(a != b for a, b in zip(out, frames, strict=True))
    assert changed >= len(frames) // 2, changed  # the speech arrived and moved the mouth


def test_a_stalled_speech_fifo_stalls_no_live_frame(media, tmp_path):
    _, speech, header, frames = media
    fifo = tmp_path / "speech.fifo"
    os.mkfifo(fifo)
    fifo_writer(fifo, speech, stall_after=0.3)
    proc = start("--live", "--live-delay", str(DELAY), "--audio-url", str(fifo))
    t_in: list[float] = []
    t_out: list[float] = []
    threading.Thread(target=feed, args=(proc, header, frames, t_in), daemon=True).start()
    out = read_frames(proc, header, len(frames[0]), t_out)
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert len(out) == len(frames)  # none dropped or held
    added = np.array(t_out) - np.array(t_in)
    assert added.min() >= DELAY - 0.01
    assert np.percentile(added, 95) <= DELAY + SLACK, np.percentile(added, 95)


def test_frames_that_can_never_be_in_time_are_reported_late(media):
    _, speech, header, frames = media
    proc = start("--live", "--live-delay", "0.001", "--audio", str(speech))
    threading.Thread(
        target=feed, args=(proc, header, frames[:20]), kwargs={"wait": 2.0}, daemon=True
    ).start()
    out = read_frames(proc, header, len(frames[0]))
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert out == frames[:20]  # untouched, in order
    assert "No frame was lip-synced: 20 of 20 could not be finished within the live delay" in err
    assert "has a face" not in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("url", "extra", "words"),
    [
        ("missing.wav", [], "does not exist"),
        ("{clip}", [], "has no audio stream"),
        ("{speech}", ["--audio", "{speech}"], "Give the speech one way"),
    ],
)
def test_bad_speech_urls_are_one_sentence(media, url, extra, words):
    folder, speech, header, frames = media
    names = {"clip": folder / "clip.mp4", "speech": speech}
    argv = ["--audio-url", url.format(**names), *(a.format(**names) for a in extra)]
    proc = subprocess.run(
        [script("lipsync-filter"), "-q", *argv],
        input=header + b"".join(frames[:3]),
        capture_output=True,
        cwd=folder,
    )
    assert proc.returncode == 3
    assert proc.stdout == b""
    lines = proc.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and words in lines[0], lines
