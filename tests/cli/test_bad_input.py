"""Bad input that used to pass or crash, through the installed ``lipsync`` command: each case
gets one sentence, a documented exit code, no traceback, nothing under the final name, and
its inputs byte-identical afterwards (hashed before and after)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from clitools import assert_one_sentence_error, lipsync
from mediatools import ffmpeg
from scipy.io import wavfile

from lipsync.core.media import load_audio, probe


def digests(*paths: Path) -> dict[str, str]:
    """SHA-256 of each file, by name."""
    return {str(p): hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in paths}


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    """Names in ``folder`` other than ``keep`` (outputs or temporaries left behind)."""
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


@pytest.fixture(scope="module")
def media(spoken_portrait):
    """A speaking portrait with a sine soundtrack (MP4, index first), a cut copy of it, and a
    spoken line as 16-bit WAV (the session's shared media)."""
    return spoken_portrait(sound=True)


def run_refused(inputs: list[Path], folder: Path, args: list[str], code: int, *words: str):
    """Run ``lipsync ARGS`` in ``folder``: one sentence naming ``words``, exit ``code``, the
    inputs unchanged, nothing new in ``folder``."""
    before = digests(*inputs)
    names = {p.name for p in folder.iterdir()}
    proc = lipsync(*args)
    assert_one_sentence_error(proc, code, *words)
    assert digests(*inputs) == before
    assert leftovers(folder, names) == []
    return proc


# --- 1. a truncated video ---------------------------------------------------------------------


def test_truncated_mp4_is_refused_by_sync(media, tmp_path):
    cut, line = media["cut"], media["line"]
    out = tmp_path / "out.mp4"
    for extra in ([], ["--no-check"]):
        run_refused(
            [cut, line], tmp_path, ["sync", str(cut), str(line), "-o", str(out), *extra],
            3, "cut.mp4", "truncated", "stop at 1.", "3.00 s", "--allow-truncated",
        )  # fmt: skip


def test_truncated_mp4_is_lip_synced_in_part_only_when_allowed(media, tmp_path):
    cut, line = media["cut"], media["line"]
    out, report = tmp_path / "out.mp4", tmp_path / "run.json"
    before = digests(cut, line)
    proc = lipsync(
        "sync", str(cut), str(line), "-o", str(out), "--no-check", "--allow-truncated",
        "--report", str(report),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "is truncated: only its first 1." in proc.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert any("truncated" in w for w in data["warnings"])
    assert 30 <= probe(out).video[0].frame_count < 75
    assert digests(cut, line) == before


def test_check_reports_the_truncation_and_the_real_length(media):
    cut, line = media["cut"], media["line"]
    proc = lipsync("check", str(cut), str(line), "--quick")
    assert proc.returncode == 0, proc.stderr
    assert "FAIL  Whole file: The video is truncated: its pictures stop at 1." in proc.stdout
    assert "but its container says 3.00 s" in proc.stdout
    lengths = next(x for x in proc.stdout.splitlines() if "Audio and video lengths" in x)
    assert "video 3.00 s" not in lengths
    strict = lipsync("check", str(cut), str(line), "--quick", "--strict")
    assert strict.returncode == 3 and "Traceback" not in strict.stderr
    assert strict.stderr.startswith("lipsync: error: The preflight check failed (whole file: ")
    whole = lipsync("check", str(media["video"]), "--quick")
    assert whole.returncode == 0 and "Whole file" not in whole.stdout


def test_truncated_mp4_is_refused_by_translate_before_any_work(media, tmp_path):
    cut = media["cut"]
    command = ["translate", str(cut), "--to", "es", "--mt", "none", "-o", str(tmp_path / "o.mp4")]
    run_refused([cut], tmp_path, command, 3, "cut.mp4", "truncated")


@pytest.mark.parametrize("suffix", [".mkv", ".webm"])
def test_truncated_matroska_is_refused(media, tmp_path, suffix):
    whole = tmp_path / f"whole{suffix}"
    codec = ["-c:v", "copy"] if suffix == ".mkv" else ["-c:v", "libvpx", "-deadline", "realtime"]
    ffmpeg("-i", str(media["video"]), *codec, "-an", str(whole))
    data = whole.read_bytes()
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(data[: len(data) * 2 // 3])
    whole.unlink()
    run_refused(
        [cut, media["line"]], tmp_path,
        ["sync", str(cut), str(media["line"]), "-o", str(tmp_path / "o.mp4"), "--no-check"],
        3, "truncated", "3.0",
    )  # fmt: skip


# --- 2. and 3. audio that is not numbers, or no audio at all -----------------------------------


def float_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> Path:
    wavfile.write(path, rate, samples.astype(np.float32))
    return path


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_float_wav_with_non_numbers_is_refused_before_any_work(media, tmp_path, bad):
    speech = load_audio(media["line"], 16000).copy()
    speech[12000] = bad  # 0.750 s
    speech[13000] = np.nan
    dub = float_wav(tmp_path / "dub.wav", speech)
    for command in (
        ["sync", str(media["video"]), str(dub), "-o", str(tmp_path / "o.mp4")],
        ["check", str(media["video"]), str(dub), "--quick"],
    ):
        run_refused(
            [media["video"], dub], tmp_path, command, 3, "dub.wav", "not a number", "0.750 s"
        )


@pytest.mark.parametrize("dtype", [np.float32, np.int16])
def test_audio_without_samples_is_refused(media, tmp_path, dtype):
    dub = tmp_path / "empty.wav"
    wavfile.write(dub, 16000, np.zeros(0, dtype))
    for command in (
        ["sync", str(media["video"]), str(dub), "-o", str(tmp_path / "o.mp4"), "--no-check"],
        ["sync", str(media["video"]), str(dub), "-o", str(tmp_path / "o.mp4")],
        ["check", str(media["video"]), str(dub)],
    ):
        run_refused([media["video"], dub], tmp_path, command, 3, "empty.wav", "0 samples")


def test_kept_video_sound_with_non_numbers_is_refused(media, tmp_path):
    sound = np.sin(np.arange(48000) / 10).astype(np.float32) * 0.3
    sound[24000] = np.inf
    wav = float_wav(tmp_path / "sound.wav", sound, 16000)
    video = tmp_path / "pcm.mov"
    ffmpeg(
        "-i", str(media["video"]), "-i", str(wav), "-map", "0:v", "-map", "1:a",
        "-c:v", "copy", "-c:a", "pcm_f32le", str(video),
    )  # fmt: skip
    wav.unlink()
    command = ["sync", str(video), str(media["line"]), "-o", str(tmp_path / "o.mov")]
    run_refused(
        [video, media["line"]], tmp_path, [*command, "--no-check", "--audio-mode", "keep"],
        3, "pcm.mov", "not a number", "1.500 s",
    )  # fmt: skip


# --- 4. options and outputs that cannot work ---------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--preset", "turbo"], ["Unknown --preset 'turbo'", "veryfast"]),
        (["--preset", ""], ["Unknown --preset ''"]),
    ],
)
def test_unknown_preset_is_refused_before_any_work(media, tmp_path, extra, words):
    command = ["sync", str(media["video"]), str(media["line"]), "-o", str(tmp_path / "o.mp4")]
    run_refused([media["video"], media["line"]], tmp_path, [*command, *extra], 3, *words)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--tune", "movie"], ["Unknown --tune 'movie' for libx264", "film", "zerolatency"]),
        (["--tune", "", "--crf", "0"], ["Unknown --tune '' for libx264", "none"]),
    ],
)
def test_unknown_tune_is_refused_before_any_work(media, tmp_path, extra, words):
    command = ["sync", str(media["video"]), str(media["line"]), "-o", str(tmp_path / "o.mp4")]
    run_refused([media["video"], media["line"]], tmp_path, [*command, *extra], 3, *words)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (["--asr-model", "small"], ["--asr-model needs --asr whisper"]),
        (["--asr", "whisper"], ["--asr whisper needs --asr-model", "small"]),
        (["--asr", "pocketsphinx", "--asr-model", "x.pt"], ["--asr-model is for --asr whisper"]),
    ],
)
def test_recogniser_choices_that_cannot_work_are_refused_before_any_work(
    media, tmp_path, extra, words
):
    command = ["sync", str(media["video"]), str(media["line"]), "-o", str(tmp_path / "o.mp4")]
    run_refused([media["video"], media["line"]], tmp_path, [*command, *extra], 3, *words)


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("out.wav", ["out.wav", "cannot hold video", "WAV", "H.264", ".mp4, .mov or .mkv"]),
        ("out.webm", ["cannot hold video", "WebM", "H.264"]),
        ("out.png", ["cannot hold video"]),
        ("out.mp3", ["cannot hold video"]),
        ("out.xyz", ["no video file extension", ".mp4"]),
        ("out", ["no video file extension"]),
    ],
)
def test_output_that_cannot_hold_video_is_refused_before_any_work(media, tmp_path, name, words):
    command = ["sync", str(media["video"]), str(media["line"]), "-o", str(tmp_path / name)]
    run_refused([media["video"], media["line"]], tmp_path, command, 3, *words)


@pytest.fixture
def full_disk(tmp_path):
    """A real, tiny tmpfs mounted for the test and filled to the last byte (root only)."""
    import shutil
    import subprocess

    folder = tmp_path / "full"
    folder.mkdir()
    mount = shutil.which("mount")
    if mount is None or subprocess.run(
        [mount, "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
        capture_output=True, check=False,
    ).returncode != 0:  # fmt: skip
        pytest.skip("mounting a tiny tmpfs needs root (CAP_SYS_ADMIN)")
    try:
        fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while os.write(fd, b"\0" * 4096):
                pass
        except OSError as e:
            assert e.errno == errno.ENOSPC
        finally:
            os.close(fd)
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def test_full_disk_is_one_sentence_naming_the_folder(media, full_disk, tmp_path):
    video, line = media["video"], media["line"]
    out = full_disk / "out.mp4"
    proc = run_refused(
        [video, line], full_disk, ["sync", str(video), str(line), "-o", str(out), "--no-check"],
        3, "disk is full", str(full_disk), "out.mp4",
    )  # fmt: skip
    assert "unexpected" not in proc.stderr
    # a side output: the video is written elsewhere, the report cannot be
    report = full_disk / "run.json"
    before = digests(video, line)
    proc = lipsync(
        "sync", str(video), str(line), "-o", str(tmp_path / "out.mp4"), "--no-check",
        "--report", str(report),
    )  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("lipsync: error: The disk is full in the folder ")
    assert str(full_disk) in last and "run.json" in last and "Traceback" not in proc.stderr
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]
    assert digests(video, line) == before


# --- 6. offline means offline ------------------------------------------------------------------


def test_a_run_writes_nothing_in_the_home_folder(media, tmp_path):
    """onnxruntime, imported for face tracking, writes a device id and a telemetry queue under
    ~/.cache/Microsoft unless told not to: a run leaves HOME as it found it."""
    import subprocess

    from clitools import script

    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ORT_"))}
    env["HOME"] = str(home)
    out = tmp_path / "out.mp4"
    command = [script("lipsync"), "sync", str(media["video"]), str(media["line"]), "-o", str(out)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
