"""``lipsync profile build/show`` and ``--profile`` on the commands, as a user runs them."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from clitools import assert_one_sentence_error, lipsync

CLIP = Path(__file__).resolve().parents[1] / "data" / "retalking_face3_2s.mp4"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("profile_cli")
    out = folder / "podium.lsprofile"
    run = lipsync("-q", "profile", "build", str(CLIP), "--name", "Podium", "-o", str(out))
    assert run.returncode == 0, run.stderr
    return out


def test_build_then_show(built):
    assert built.is_file() and built.stat().st_size < 5_000_000
    shown = lipsync("profile", "show", str(built))
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    assert "speaker: Podium" in text
    assert "50 frames of retalking_face3_2s.mp4" in text or "51 frames" in text
    assert "aperture steps" in text and "images of the speaker's face" in text


def test_sync_with_a_profile_reports_the_renderer_per_face(built, tmp_path):
    video, audio = tmp_path / "v.mp4", tmp_path / "a.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", "1", "-i", str(CLIP), "-t", "0.6", "-an", str(video)],
        check=True,
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(CLIP), "-t", "0.6", "-vn", "-ac", "1", str(audio)],
        check=True,
    )
    report = tmp_path / "r.json"
    run = lipsync(
        "sync", str(video), str(audio), "-o", str(tmp_path / "o.mp4"), "--renderer", "auto",
        "--profile", str(built), "--report", str(report), "--no-check",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    tracks = json.loads(report.read_text())["renderer_tracks"]
    assert tracks and all(v.startswith("exemplar: ") and "Podium" in v for v in tracks.values())
    assert "face 0: exemplar: " in run.stderr


def test_output_over_an_input_is_refused(tmp_path):
    copy = tmp_path / "clip.lsprofile"
    copy.write_bytes(CLIP.read_bytes())
    run = lipsync("profile", "build", str(copy), "-o", str(copy))
    assert_one_sentence_error(run, 3, str(copy))
    assert copy.read_bytes() == CLIP.read_bytes()


def test_bad_profile_files_get_one_sentence(tmp_path):
    bad = tmp_path / "bad.lsprofile"
    bad.write_text("not a profile")
    assert_one_sentence_error(lipsync("profile", "show", str(bad)), 3, "not a usable")
    run = lipsync(
        "sync", str(CLIP), str(CLIP), "-o", str(tmp_path / "o.mp4"), "--profile", str(bad)
    )
    assert_one_sentence_error(run, 3, "speaker profile")
    missing = lipsync("profile", "show", str(tmp_path / "none.lsprofile"))
    assert_one_sentence_error(missing, 3, "No speaker profile")


def test_build_refuses_a_wrong_suffix_and_a_video_without_face(tmp_path):
    run = lipsync("profile", "build", str(CLIP), "-o", str(tmp_path / "p.zip"))
    assert run.returncode == 2 and ".lsprofile" in run.stderr
    grey = tmp_path / "grey.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=gray:s=160x120:d=0.4", str(grey)],
        check=True,
    )
    run = lipsync("profile", "build", str(grey), "-o", str(tmp_path / "p.lsprofile"))
    assert_one_sentence_error(run, 3, "No frame of", "lipsync faces")
    assert not (tmp_path / "p.lsprofile").exists()


def test_batch_jobs_take_the_profile(built, tmp_path):
    """``lipsync batch --profile`` gives every job the profile; a job's own "profile" option
    (a path relative to the job file) wins; a bad profile stops the batch before any work."""
    video, dub = tmp_path / "v.mp4", tmp_path / "v_es.wav"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(CLIP), "-t", "0.6", "-an", str(video)], check=True
    )
    subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(CLIP), "-t", "0.6", "-vn", "-ac", "1", str(dub)],
        check=True,
    )
    jobs = tmp_path / "jobs.json"
    spec = {"inputs": [{"video": "v.mp4", "dubs": {"es": "v_es.wav"}}]}
    jobs.write_text(json.dumps(spec))
    listed = lipsync("batch", str(jobs), "--profile", str(built), "--check")
    assert listed.returncode == 0, listed.stderr
    bad = tmp_path / "bad.lsprofile"
    bad.write_text("no")
    refused = lipsync("batch", str(jobs), "--profile", str(bad))
    assert_one_sentence_error(refused, 3, "speaker profile")
    assert not (tmp_path / "dubbed" / "v_es.mp4").exists()
    spec["defaults"] = {"profile": "bad.lsprofile"}
    jobs.write_text(json.dumps(spec))
    run = lipsync("-q", "batch", str(jobs), "--profile", str(built))
    assert run.returncode == 1 and "speaker profile" in run.stderr  # the job's own wins
    spec["defaults"] = {"profile": str(built)}
    jobs.write_text(json.dumps(spec))
    run = lipsync("-q", "batch", str(jobs))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "dubbed" / "v_es.mp4").is_file()
