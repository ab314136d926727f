"""``lipsync-filter`` fed cut-short and mismatched pipes, with stdin a file (seekable) and a
pipe: every whole frame goes out, then one sentence and exit 3; a raw stream whose size does
not match the data, or a y4m stream ffmpeg cut at odd widths above 8 bits, writes nothing.
The inputs are real ffmpeg output cut with ``truncate``; the filter runs as a user runs it."""

from __future__ import annotations

import hashlib
import os
import subprocess

import pytest
from clitools import script

from lipsync.core.demo import write_portrait_clip
from lipsync.core.media import save_audio
from lipsync.core.media.pipe_frames import frame_size
from lipsync.core.speech import synthesize

SIZE = (320, 240)
FRAMES = 12  # 0.48 s at 25 fps
PICTURE = frame_size(*SIZE, "yuv420p")


def ff(*args: str) -> list[str]:
    return ["ffmpeg", "-nostdin", "-v", "error", *args]


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """A talking-head clip, its speech, and the clip as NUT (with and without an audio
    stream), y4m and raw yuv420p files made by ffmpeg."""
    folder = tmp_path_factory.mktemp("badpipe")
    syn = synthesize("Mama may map.", "en-us")
    speech = save_audio(folder / "line.wav", syn.samples, syn.sample_rate)
    clip = write_portrait_clip(folder / "clip.mp4", FRAMES / 25, size=SIZE)
    files = {"speech": speech, "clip": clip}
    for name, args in {
        "nut": ("-map", "0:v", "-c:v", "rawvideo", "-f", "nut"),
        "nut_audio": ("-map", "0:v", "-map", "1:a", "-c:v", "rawvideo", "-c:a", "pcm_s16le",
                      "-f", "nut"),
        "y4m": ("-map", "0:v", "-f", "yuv4mpegpipe"),
        "raw": ("-map", "0:v", "-f", "rawvideo", "-pix_fmt", "yuv420p"),
    }.items():  # fmt: skip
        files[name] = folder / f"clip.{name}"
        subprocess.run(ff("-i", str(clip), "-i", str(speech), *args, str(files[name])),
                       check=True)  # fmt: skip
    return files


def cut_copy(path, folder, size: int):
    """A copy of ``path`` cut to ``size`` bytes with ``truncate``."""
    out = folder / f"cut_{size}_{path.name}"
    out.write_bytes(path.read_bytes())
    subprocess.run(["truncate", "-s", str(size), str(out)], check=True)
    return out


def run_filter(path, speech, *args: str, stdin: str = "file") -> subprocess.CompletedProcess:
    """``lipsync-filter ARGS < path`` (``stdin="file"``, seekable) or ``cat path |
    lipsync-filter ARGS`` (``stdin="pipe"``); the input is hashed before and after."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    argv = [script("lipsync-filter"), "--audio", str(speech), "--no-check", "-q", *args]
    if stdin == "file":
        with open(path, "rb") as source:
            proc = subprocess.run(argv, stdin=source, capture_output=True, check=False)
    else:
        proc = subprocess.run(argv, input=path.read_bytes(), capture_output=True, check=False)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, "the input changed"
    return proc


def one_sentence(proc: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """Exit ``code``, no traceback, one ``lipsync-filter: error:`` line naming ``words``."""
    err = proc.stderr.decode()
    assert proc.returncode == code, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("lipsync-filter: error: "), err
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def decoded_frames(data: bytes, fmt: str) -> int:
    """How many whole pictures ffmpeg decodes from ``data`` (a partial one is not a frame)."""
    proc = subprocess.run(
        ff("-f", fmt, "-i", "-", "-map", "0:v", "-f", "framemd5", "-"),
        input=data,
        capture_output=True,
        check=False,
    )
    lines = proc.stdout.decode().splitlines()
    return sum(1 for line in lines if line and not line.startswith("#"))


@pytest.mark.parametrize("stdin", ["file", "pipe"])
@pytest.mark.parametrize(("name", "fraction"), [("nut", 0.5), ("nut_audio", 0.5),
                                                ("nut_audio", 0.75), ("nut", 0.1)])  # fmt: skip
def test_cut_nut_gives_every_whole_frame_then_exit_3(media, tmp_path, name, fraction, stdin):
    full = media[name]
    cut = cut_copy(full, tmp_path, int(full.stat().st_size * fraction))
    whole = decoded_frames(cut.read_bytes(), "nut")  # what ffmpeg itself gets from it
    assert 0 < whole < FRAMES
    proc = run_filter(cut, media["speech"], "--format", "nut", stdin=stdin)
    line = one_sentence(proc, 3, f"broke off at frame {whole}", "cut short")
    assert ("whole frame before it was" if whole == 1 else f"the {whole} whole frames") in line
    assert decoded_frames(proc.stdout, "nut") == whole


@pytest.mark.parametrize("stdin", ["file", "pipe"])
def test_cut_y4m_gives_every_whole_frame_then_exit_3(media, tmp_path, stdin):
    full = media["y4m"]
    header = len(full.read_bytes().split(b"\n", 1)[0]) + 1
    cut = cut_copy(full, tmp_path, header + 7 * (6 + PICTURE) + 6 + PICTURE // 3)
    proc = run_filter(cut, media["speech"], stdin=stdin)
    one_sentence(proc, 3, "ended in the middle of frame 7", "the 7 whole frames")
    assert decoded_frames(proc.stdout, "yuv4mpegpipe") == 7


def raw_args(size: str = "320x240") -> tuple[str, ...]:
    return ("--format", "raw", "--size", size, "--rate", "25", "--pix-fmt", "yuv420p")


def test_cut_raw_from_a_pipe_gives_every_whole_frame_then_exit_3(media, tmp_path):
    """Once frames have gone out (a short lookahead, a stream longer than the frames read
    ahead: the clip five times), a picture cut off at the end stops the filter after the
    whole ones."""
    long = tmp_path / "long.raw"
    long.write_bytes(media["raw"].read_bytes() * 5)
    cut = cut_copy(long, tmp_path, 50 * PICTURE + PICTURE // 2)
    proc = run_filter(cut, media["speech"], *raw_args(), "--lookahead", "0.08", stdin="pipe")
    one_sentence(proc, 3, "ended in the middle of frame 50", "the 50 whole frames")
    assert len(proc.stdout) == 50 * PICTURE


def test_cut_raw_from_a_pipe_before_any_frame_went_out_writes_nothing(media, tmp_path):
    """A pipe that ends inside a picture while every frame is still held (the lookahead is
    longer than the clip) reads as a size mismatch: nothing is written."""
    cut = cut_copy(media["raw"], tmp_path, 7 * PICTURE + PICTURE // 2)
    proc = run_filter(cut, media["speech"], *raw_args(), stdin="pipe")
    one_sentence(proc, 3, "ended in the middle of frame 7", "nothing was written")
    assert proc.stdout == b""


def test_cut_raw_from_a_file_is_refused_before_anything_is_written(media, tmp_path):
    """A file says how long it is: a length that is no whole number of pictures is refused
    at once (the size does not match, or the file was cut)."""
    cut = cut_copy(media["raw"], tmp_path, 7 * PICTURE + PICTURE // 2)
    proc = run_filter(cut, media["speech"], *raw_args(), stdin="file")
    one_sentence(proc, 3, f"{7 * PICTURE + PICTURE // 2} bytes", "--size 320x240",
                 "nothing was written")  # fmt: skip
    assert proc.stdout == b""


@pytest.mark.parametrize("stdin", ["file", "pipe"])
@pytest.mark.parametrize("size", ["400x300", "320x200"])
def test_raw_with_a_wrong_size_writes_nothing(media, tmp_path, size, stdin):
    """A wrong --size that leaves a partial picture is refused before any frame goes out:
    from a file by its length; from a pipe because the first picture is held until the next
    one is whole. (320x200 on two 320x240 pictures: one whole picture and 40 % of another.)"""
    two = cut_copy(media["raw"], tmp_path, 2 * PICTURE)
    proc = run_filter(two, media["speech"], *raw_args(size), stdin=stdin)
    one_sentence(proc, 3, f"--size {size}", "nothing was written")
    assert proc.stdout == b""


@pytest.mark.parametrize("stdin", ["file", "pipe"])
def test_whole_raw_pictures_pass_from_a_file_and_a_pipe(media, stdin):
    proc = run_filter(media["raw"], media["speech"], *raw_args(), stdin=stdin)
    assert proc.returncode == 0, proc.stderr.decode()
    assert len(proc.stdout) == FRAMES * PICTURE
    assert proc.stdout != media["raw"].read_bytes()  # the mouth moved


@pytest.mark.parametrize("stdin", ["file", "pipe"])
def test_y4m_that_ffmpeg_cut_at_an_odd_width_above_8_bits_is_refused(media, tmp_path, stdin):
    """ffmpeg's y4m muxer writes chroma rows one byte short at odd widths above 8 bits (its
    own demuxer cannot read them back): one sentence pointing to NUT or raw, nothing out."""
    path = tmp_path / "odd10.y4m"
    subprocess.run(ff("-i", str(media["clip"]), "-vf", "scale=321:241", "-pix_fmt",
                      "yuv420p10le", "-strict", "-1", "-f", "yuv4mpegpipe", str(path)),
                   check=True)  # fmt: skip
    assert os.path.getsize(path) % (6 + frame_size(321, 241, "yuv420p10le")) != 0
    proc = run_filter(path, media["speech"], stdin=stdin)
    one_sentence(proc, 3, "321x241 yuv420p10le", "-f nut", "even width")
    assert proc.stdout == b""
