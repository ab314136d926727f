"""``lipsync-filter`` between real ffmpeg processes on real pipes: every format keeps every
frame in order and gives the pixels ``lipsync sync`` gives; bad pipes end cleanly."""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid

import numpy as np
import pytest
from clitools import script

from lipsync.core.demo import write_portrait_clip
from lipsync.core.face import tracking_process
from lipsync.core.media import save_audio
from lipsync.core.speech import synthesize, write_sidecar

TEXT = "Bob bought a map for Mom."
SIZE = (640, 360)


def ff(*args: str) -> list[str]:
    return ["ffmpeg", "-nostdin", "-v", "error", *args]


def pipeline(*commands: list[str], stdin: bytes | None = None) -> tuple[bytes, list[int], bytes]:
    """Run ``commands`` joined by pipes; (last stdout, every exit code, filter stderr)."""
    procs: list[subprocess.Popen] = []
    for i, argv in enumerate(commands):
        source = procs[-1].stdout if procs else (subprocess.PIPE if stdin is not None else None)
        procs.append(
            subprocess.Popen(argv, stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        )
        if i and procs[-2].stdout is not None:
            procs[-2].stdout.close()  # the next process owns it now (EPIPE reaches the writer)
    if stdin is not None:  # fed from a thread, so a full stdout pipe cannot deadlock us
        pipe, procs[0].stdin = procs[0].stdin, None

        def feed() -> None:
            with contextlib.suppress(BrokenPipeError):
                pipe.write(stdin)
            with contextlib.suppress(BrokenPipeError):
                pipe.close()

        threading.Thread(target=feed, daemon=True).start()
    out, last_err = procs[-1].communicate(timeout=300)
    errors = b""
    for p in procs[:-1]:
        p.wait(timeout=300)
        err = p.stderr.read()
        if "lipsync-filter" in p.args[0]:
            errors = err
    if "lipsync-filter" in procs[-1].args[0]:
        errors = last_err
    return out, [p.returncode for p in procs], errors


def frame_hashes(data: bytes, fmt: str) -> list[str]:
    """md5 of every decoded frame of ``data`` (y4m or nut), as ffmpeg's framemd5 lists it."""
    out = subprocess.run(
        ff("-f", fmt, "-i", "-", "-map", "0:v", "-f", "framemd5", "-"),
        input=data,
        capture_output=True,
        check=True,
    ).stdout.decode()
    return [line.split(",")[-1].strip() for line in out.splitlines() if not line.startswith("#")]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("filter")
    syn = synthesize(TEXT, "en-us")
    speech = save_audio(folder / "line.wav", syn.samples, syn.sample_rate)
    write_sidecar(speech, syn.events)
    seconds = syn.samples.shape[0] / syn.sample_rate + 0.3
    clip = write_portrait_clip(folder / "clip.mp4", seconds, size=SIZE)
    synced = folder / "synced.mp4"
    proc = subprocess.run(
        [script("lipsync"), "-q", "sync", str(clip), str(speech), "-o", str(synced), "--crf", "0"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return folder, clip, speech, synced


def filter_cmd(*args: str) -> list[str]:
    return [script("lipsync-filter"), "-q", "--colorspace", "bt709", *args]


def test_y4m_keeps_the_header_and_gives_the_pixels_of_lipsync_sync(media):
    _, clip, speech, synced = media
    source = subprocess.run(
        ff("-i", str(clip), "-f", "yuv4mpegpipe", "-"), capture_output=True, check=True
    ).stdout
    out, codes, err = pipeline(
        ff("-i", str(clip), "-f", "yuv4mpegpipe", "-"), filter_cmd("--audio", str(speech))
    )
    assert codes == [0, 0], err
    assert out.split(b"\n", 1)[0] == source.split(b"\n", 1)[0]
    expected = subprocess.run(
        ff("-i", str(synced), "-f", "yuv4mpegpipe", "-"), capture_output=True, check=True
    ).stdout
    got, want, original = (frame_hashes(x, "yuv4mpegpipe") for x in (out, expected, source))
    assert len(got) == len(original)
    assert got == want  # the same engine: the same pixels
    assert sum(a != b for a, b in zip(got, original, strict=True)) > len(got) // 2


def test_nut_passes_the_audio_through_with_every_timestamp(media):
    folder, clip, speech, synced = media
    nut_in = folder / "in.nut"
    subprocess.run(
        ff("-y", "-i", str(clip), "-i", str(speech), "-map", "0:v", "-map", "1:a",
           "-c:v", "rawvideo", "-c:a", "pcm_s16le", "-f", "nut", str(nut_in)),
        check=True,
    )  # fmt: skip
    out, codes, err = pipeline(
        ["cat", str(nut_in)], filter_cmd("--format", "nut", "--audio", str(speech))
    )
    assert codes == [0, 0], err

    def packets(data: bytes) -> list[str]:
        listing = subprocess.run(
            ["ffprobe", "-v", "error", "-show_entries", "packet=stream_index,pts,duration",
             "-of", "csv", "-"],
            input=data, capture_output=True, check=True,
        ).stdout.decode()  # fmt: skip
        return sorted(listing.split())

    assert packets(out) == packets(nut_in.read_bytes())
    audio = ff("-f", "nut", "-i", "-", "-map", "0:a", "-f", "md5", "-")
    assert (
        subprocess.run(audio, input=out, capture_output=True, check=True).stdout
        == subprocess.run(audio, input=nut_in.read_bytes(), capture_output=True, check=True).stdout
    )
    expected = subprocess.run(
        ff("-i", str(synced), "-f", "yuv4mpegpipe", "-"), capture_output=True, check=True
    ).stdout
    assert frame_hashes(out, "nut") == frame_hashes(expected, "yuv4mpegpipe")


def test_nut_audio_from_the_stream_drives_the_mouth(media):
    folder, clip, speech, _ = media
    nut_in = folder / "in-own.nut"
    subprocess.run(
        ff("-y", "-i", str(clip), "-i", str(speech), "-map", "0:v", "-map", "1:a",
           "-c:v", "rawvideo", "-c:a", "pcm_s16le", "-f", "nut", str(nut_in)),
        check=True,
    )  # fmt: skip
    out, codes, err = pipeline(
        ["cat", str(nut_in)], filter_cmd("-v", "--format", "nut", "--audio-from-stream")
    )
    assert codes == [0, 0], err
    assert b"mouth from audio" in err
    got, original = frame_hashes(out, "nut"), frame_hashes(nut_in.read_bytes(), "nut")
    assert len(got) == len(original)
    assert sum(a != b for a, b in zip(got, original, strict=True)) > len(got) // 2


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "rgb24"])
def test_raw_video_keeps_size_and_count(media, pix_fmt):
    _, clip, speech, synced = media
    w, h = SIZE
    decode = ff("-i", str(clip), "-f", "rawvideo", "-pix_fmt", pix_fmt, "-")
    out, codes, err = pipeline(
        decode,
        filter_cmd("--format", "raw", "--size", f"{w}x{h}", "--rate", "25", "--pix-fmt",
                   pix_fmt, "--audio", str(speech)),
    )  # fmt: skip
    assert codes == [0, 0], err
    source = subprocess.run(decode, capture_output=True, check=True).stdout
    assert len(out) == len(source)
    if pix_fmt == "yuv420p":  # the same frames as in a y4m pipe: lipsync sync's pixels
        expected = subprocess.run(
            ff("-i", str(synced), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"),
            capture_output=True,
            check=True,
        ).stdout
        assert hashlib.md5(out).digest() == hashlib.md5(expected).digest()
    else:
        a = np.frombuffer(out, np.uint8).reshape(-1, h, w, 3)
        b = np.frombuffer(source, np.uint8).reshape(-1, h, w, 3)
        changed = np.any(a != b, axis=(0, 3))
        ys, xs = np.nonzero(changed)
        assert ys.size and ys.min() > h * 0.3 and xs.min() > w * 0.25 and xs.max() < w * 0.75


@pytest.mark.parametrize("pix_fmt", ["yuv422p16le", "gray", "yuv444p"])
def test_y4m_deep_and_other_layouts_come_back_in_their_own_format(media, pix_fmt):
    _, clip, speech, _ = media
    decode = ff("-i", str(clip), "-t", "0.6", "-pix_fmt", pix_fmt, "-strict", "-1",
                "-f", "yuv4mpegpipe", "-")  # fmt: skip
    out, codes, err = pipeline(decode, filter_cmd("--audio", str(speech)))
    assert codes == [0, 0], err
    source = subprocess.run(decode, capture_output=True, check=True).stdout
    assert out.split(b"\n", 1)[0] == source.split(b"\n", 1)[0]
    assert len(out) == len(source)
    assert out != source


def test_a_reader_that_closes_early_stops_the_filter_quietly(media):
    _, clip, speech, _ = media
    out, codes, err = pipeline(
        ff("-i", str(clip), "-f", "yuv4mpegpipe", "-"),
        filter_cmd("--audio", str(speech)),
        ["head", "-c", "100000"],
    )
    assert len(out) == 100000
    assert codes[1] == 141, err
    assert b"Traceback" not in err and b"error" not in err


def test_input_cut_in_a_frame_gives_the_whole_frames_then_one_error(media):
    _, clip, speech, _ = media
    source = subprocess.run(
        ff("-i", str(clip), "-f", "yuv4mpegpipe", "-"), capture_output=True, check=True
    ).stdout
    frame = len(source.split(b"\n", 1)[0]) + 1
    one = 6 + SIZE[0] * SIZE[1] * 3 // 2
    cut = source[: frame + 10 * one + one // 2]  # ten whole frames and half of one
    out, codes, err = pipeline(filter_cmd("--audio", str(speech)), stdin=cut)
    assert codes == [3]
    assert len(frame_hashes(out, "yuv4mpegpipe")) == 10
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and "ended in the middle of frame 10" in lines[0], err


@pytest.mark.parametrize(
    ("data", "args", "words"),
    [
        (b"not a video at all\n" * 100, (), "not a yuv4mpegpipe stream"),
        (b"YUV4MPEG2 W64 F25:1 C420jpeg\nFRAME\n" + bytes(9000), (), "no valid W and H"),
        (b"YUV4MPEG2 W64 H48 F25:1 Cbayer\nFRAME\n", (), "not supported"),
        (b"", (), "empty"),
        (b"junk" * 1000, ("--format", "nut"), "not a NUT stream"),
    ],
)
def test_malformed_input_is_one_sentence_and_nothing_on_stdout(media, data, args, words):
    _, _, speech, _ = media
    out, codes, err = pipeline(filter_cmd(*args, "--audio", str(speech)), stdin=data)
    assert codes == [3], err
    assert out == b""
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lipsync-filter: error: ")
    assert words in lines[0]


def test_y4m_whose_size_does_not_match_its_data_writes_nothing(media):
    _, clip, speech, _ = media
    source = subprocess.run(
        ff("-i", str(clip), "-t", "0.4", "-f", "yuv4mpegpipe", "-"), capture_output=True, check=True
    ).stdout
    header, body = source.split(b"\n", 1)
    lying = header.replace(b"W640", b"W600") + b"\n" + body
    out, codes, err = pipeline(filter_cmd("--audio", str(speech)), stdin=lying)
    assert codes == [3] and out == b""
    assert b"does not match the data" in err


def test_raw_size_that_does_not_match_the_data_writes_nothing(media):
    _, clip, speech, _ = media
    decode = ff("-i", str(clip), "-t", "0.4", "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
    out, codes, err = pipeline(
        decode,
        filter_cmd("--format", "raw", "--size", "600x360", "--rate", "25", "--pix-fmt", "rgb24",
                   "--audio", str(speech)),
    )  # fmt: skip
    assert codes[1] == 3 and out == b""
    assert b"does not match --size 600x360" in err and b"Traceback" not in err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--format", "raw"), "needs --size"),
        (("--format", "raw", "--size", "big", "--rate", "25", "--pix-fmt", "rgb24"), "--size"),
        (("--audio-from-stream",), "--format nut"),
        ((), "--audio FILE"),
        (("--audio", "/no/such.wav"), "/no/such.wav"),
    ],
)
def test_bad_options_are_one_sentence(args, words):
    proc = subprocess.run(
        [script("lipsync-filter"), *args], input=b"", capture_output=True, check=False
    )
    assert proc.returncode in (2, 3), proc.stderr
    assert proc.stdout == b"" and b"Traceback" not in proc.stderr
    assert words.encode() in proc.stderr


def test_example_prints_a_command_line_for_each_format():
    proc = subprocess.run(
        [script("lipsync-filter"), "--example"], capture_output=True, text=True, check=True
    )
    for words in ("-f yuv4mpegpipe", "--format nut --audio-from-stream", "--format raw"):
        assert words in proc.stdout
    assert proc.stdout.count("| lipsync-filter") == 4


def test_strict_stops_on_a_failed_speech_check_before_any_frame(media):
    folder, clip, _, _ = media
    noise = folder / "noise.wav"
    subprocess.run(ff("-y", "-f", "lavfi", "-i", "anoisesrc=d=1.5", str(noise)), check=True)
    decode = ff("-i", str(clip), "-t", "0.4", "-f", "yuv4mpegpipe", "-")
    out, codes, err = pipeline(decode, filter_cmd("--strict", "--audio", str(noise)))
    assert codes[1] == 3 and out == b""
    assert b"preflight check failed (speech present" in err and b"Traceback" not in err
    out, codes, err = pipeline(decode, filter_cmd("--audio", str(noise)))
    assert codes == [0, 0] and out
    assert b"check: FAIL  Speech present" in err


def running_filter(media, env=None) -> tuple[subprocess.Popen, bytes, int, int]:
    """The filter fed more frames than its lookahead, stdin left open, its first frame out:
    (the process, the header and first frame read, the header's length, a frame's)."""
    _, clip, speech, _ = media
    source = subprocess.run(
        ff("-i", str(clip), "-f", "yuv4mpegpipe", "-"), capture_output=True, check=True
    ).stdout
    proc = subprocess.Popen(  # a 1 s lookahead: 35 frames are more than it holds
        filter_cmd("--audio", str(speech), "--lookahead", "1"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        bufsize=0,  # nothing read ahead into a buffer that communicate() would not see
    )
    header = source.index(b"\n") + 1
    one = 6 + SIZE[0] * SIZE[1] * 3 // 2

    def feed() -> None:  # more than the lookahead, so frames come out; stdin stays open
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.write(source[: header + 35 * one])

    threading.Thread(target=feed, daemon=True).start()
    first = b""
    while len(first) < header + one and (part := proc.stdout.read(header + one - len(first))):
        first += part
    assert first.startswith(b"YUV4MPEG2")
    return proc, first, header, one


def test_ctrl_c_stops_cleanly_between_frames(media):
    proc, first, header, one = running_filter(media)
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert (len(first) + len(rest) - header) % one == 0  # whole frames only
    lines = err.decode().strip().splitlines()
    assert lines == ["lipsync-filter: error: interrupted; the frames already written are whole."]


def _marked(mark: str) -> list[int]:
    """Pids of the processes whose environment holds ``LIPSYNC_TEST_MARK=mark``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError), open(f"/proc/{entry}/environ", "rb") as file:
                if f"LIPSYNC_TEST_MARK={mark}".encode() in file.read().split(b"\0"):
                    found.append(int(entry))
    return found


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_the_tracker_process_ends_with_a_killed_filter(media):
    """The filter tracks in a child process (two cores or more); killed outright, the filter
    takes no cleanup step, and its child still ends (its pipe closes)."""
    if not tracking_process.available():
        pytest.skip("one core: the filter tracks in its own process")
    mark = uuid.uuid4().hex
    proc, _, _, _ = running_filter(media, env={**os.environ, "LIPSYNC_TEST_MARK": mark})
    assert len(_marked(mark)) == 2  # the filter and its tracker
    proc.kill()
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 20
    while _marked(mark) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _marked(mark) == []


def test_the_reader_sees_the_end_of_the_frames_before_the_filter_winds_down(media):
    """Once every frame is out, stdout closes at once: the encoder reading it finishes its
    last frames while the filter ends its tracker and its interpreter (here held back 3 s
    by an exit handler of our own, which runs after the filter's)."""
    _, clip, speech, _ = media
    source = subprocess.run(
        ff("-i", str(clip), "-t", "1.2", "-f", "yuv4mpegpipe", "-"), capture_output=True, check=True
    ).stdout
    slow_exit = (
        "import atexit, time; atexit.register(time.sleep, 3); "
        "from lipsync.cli.filter import main; main()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", slow_exit, "-q", "--colorspace", "bt709", "--audio", str(speech)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def feed() -> None:
        proc.stdin.write(source)
        proc.stdin.close()

    threading.Thread(target=feed, daemon=True).start()
    out = proc.stdout.read()  # to the end of the frames
    ended = time.monotonic()
    proc.wait(timeout=60)
    assert proc.returncode == 0, proc.stderr.read()
    assert time.monotonic() - ended > 2.0  # the end came before the exit handlers ran
    assert len(frame_hashes(out, "yuv4mpegpipe")) == len(frame_hashes(source, "yuv4mpegpipe"))
