"""``lipsync probe``, and the one-sentence errors and exit codes for every bad input."""

from __future__ import annotations

import json
import os

import pytest
from clitools import assert_one_sentence_error, lipsync
from mediatools import ffmpeg, read_only_folder


def test_probe_text_and_json(make_clip):
    clip = make_clip("c.mp4", size="320x240", rate="30000/1001", duration=1)
    proc = lipsync("probe", str(clip))
    assert proc.returncode == 0, proc.stderr
    assert "320x240" in proc.stdout and "29.97 fps (30000/1001)" in proc.stdout
    assert "audio #1: aac 48000 Hz, 1 ch" in proc.stdout
    data = json.loads(lipsync("probe", str(clip), "--json").stdout)
    [video] = data["video"]
    assert video["fps"] == "30000/1001"
    assert video["frame_count"] == 30
    assert (video["width"], video["height"], video["rotation"]) == (320, 240, 0)
    assert video["pix_fmt"] == "yuv420p"
    [audio] = data["audio"]
    assert (audio["sample_rate"], audio["channels"]) == (48000, 1)


def test_probe_writes_json_file(clip, tmp_path):
    out = tmp_path / "info.json"
    proc = lipsync("probe", str(clip), "-o", str(out))
    assert proc.returncode == 0 and proc.stdout == ""
    assert json.loads(out.read_text())["video"][0]["frame_count"] == 25


def test_probe_counts_frames_without_header_count(make_clip):
    clip = make_clip("c.webm", vcodec=("-c:v", "libvpx-vp9", "-b:v", "200k"), audio=False)
    data = json.loads(lipsync("probe", str(clip), "--json").stdout)
    assert data["video"][0]["frame_count"] == 25


def test_missing_file(tmp_path):
    proc = lipsync("probe", str(tmp_path / "nope.mp4"))
    assert_one_sentence_error(proc, 3, "does not exist", "nope.mp4")


def test_directory(tmp_path):
    assert_one_sentence_error(lipsync("probe", str(tmp_path)), 3, "is a folder")


def test_non_media_file(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("meeting notes, not a video\n" * 100)
    assert_one_sentence_error(lipsync("probe", str(path)), 3, "not media ffmpeg can read")


def test_zero_byte_file(tmp_path):
    path = tmp_path / "empty.mp4"
    path.touch()
    assert_one_sentence_error(lipsync("probe", str(path)), 3, "is empty")


def test_truncated_mp4(clip, tmp_path):
    path = tmp_path / "cut.mp4"
    data = clip.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # the index (moov) sits at the end: lost
    assert_one_sentence_error(lipsync("probe", str(path)), 3, "cut.mp4")


def test_truncated_faststart_mp4_reads_what_is_there(clip, tmp_path):
    from lipsync.core.media import iter_frames

    fast = tmp_path / "fast.mp4"
    ffmpeg("-i", str(clip), "-c", "copy", "-movflags", "+faststart", str(fast))
    cut = tmp_path / "cut.mp4"
    data = fast.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.6)])
    frames = list(iter_frames(cut))
    assert 0 < len(frames) < 25  # every whole frame, no crash


def test_output_equal_to_input(clip):
    before = clip.read_bytes()
    proc = lipsync("probe", str(clip), "-o", str(clip))
    assert_one_sentence_error(proc, 3, "same file as the input")
    assert clip.read_bytes() == before


def test_unwritable_output_folder(clip, tmp_path):
    with read_only_folder(tmp_path / "ro") as folder:
        proc = lipsync("probe", str(clip), "-o", str(folder / "info.json"))
        assert_one_sentence_error(proc, 3, "not writable")
        assert os.listdir(folder) == []


def test_missing_output_folder(clip, tmp_path):
    proc = lipsync("probe", str(clip), "-o", str(tmp_path / "no" / "info.json"))
    assert_one_sentence_error(proc, 3, "does not exist")


def test_verbose_shows_the_traceback(tmp_path):
    proc = lipsync("--verbose", "probe", str(tmp_path / "nope.mp4"))
    assert proc.returncode == 3
    assert "Traceback" in proc.stderr and "does not exist" in proc.stderr


@pytest.mark.parametrize("args", [["probe"], ["probe", "a", "b"], ["probe", "--bogus", "x"]])
def test_usage_errors_exit_2(args):
    proc = lipsync(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
