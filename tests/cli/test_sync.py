"""``lipsync sync`` and ``lipsync demo`` through the installed console script."""

from __future__ import annotations

import json

import numpy as np
import pytest
from clitools import assert_one_sentence_error, lipsync
from mediatools import lavfi_clip

from lipsync.core.media import probe, save_audio


@pytest.fixture(scope="module")
def inputs(spoken_portrait):
    media = spoken_portrait(1.6, (640, 360))
    return media["video"], media["line"]


def test_sync_writes_video_and_report(inputs, tmp_path):
    video, audio = inputs
    out, report = tmp_path / "out.mp4", tmp_path / "report.json"
    text = tmp_path / "line.txt"
    text.write_text("Mama made a map.\n", encoding="utf-8")
    proc = lipsync(
        "sync", str(video), str(audio), "-o", str(out), "--text-file", str(text),
        "--lang", "en", "--report", str(report),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stderr and "lip-synced" in proc.stderr
    data = json.loads(report.read_text())
    assert data["frames"] == 40 and data["rendered"] == 40
    assert data["mouth_source"] == "alignment"
    info = probe(out)
    assert len(info.audio) == 1
    assert info.video[0].frame_count == 40
    keep = lipsync(
        "sync", str(video), str(audio), "-o", str(tmp_path / "keep.mp4"), "--audio-mode", "keep"
    )
    assert_one_sentence_error(keep, 3, "no audio to keep")


def test_no_face_is_one_sentence_unless_allowed(inputs, tmp_path):
    _, audio = inputs
    bars = lavfi_clip(tmp_path / "bars.mp4", size="320x240", duration=0.5, audio=False)
    out = tmp_path / "out.mp4"
    proc = lipsync("sync", str(bars), str(audio), "-o", str(out), "--no-check")
    assert_one_sentence_error(proc, 3, "has a face", "--allow-no-face")
    assert not out.exists()
    proc = lipsync("sync", str(bars), str(audio), "-o", str(out), "--allow-no-face")
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and "untouched copy" in proc.stderr
    assert "check: FAIL  Face presence: A face is visible in 0%" in proc.stderr


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        (["--face", "loudest"], 3, ["Unknown face choice"]),
        (["--face", "0,x"], 3, ["Unknown face choice", "separated by commas"]),
        (["--renderer", "magic"], 3, ["magic", "warp"]),
        (["--start", "2", "--end", "1"], 3, ["not after"]),
    ],
)
def test_bad_options(inputs, tmp_path, extra, code, words):
    video, audio = inputs
    proc = lipsync("sync", str(video), str(audio), "-o", str(tmp_path / "o.mp4"), *extra)
    assert_one_sentence_error(proc, code, *words)


def test_bad_files(inputs, tmp_path):
    video, audio = inputs
    missing = lipsync("sync", str(tmp_path / "no.mp4"), str(audio), "-o", str(tmp_path / "o.mp4"))
    assert_one_sentence_error(missing, 3, "does not exist")
    same = lipsync("sync", str(video), str(audio), "-o", str(video))
    assert_one_sentence_error(same, 3, "same file as the input")
    noise = tmp_path / "noise.wav"
    noise.write_bytes(np.random.default_rng(0).bytes(4000))
    proc = lipsync("sync", str(video), str(noise), "-o", str(tmp_path / "o.mp4"))
    assert_one_sentence_error(proc, 3, "noise.wav")
    both = lipsync(
        "sync", str(video), str(audio), "-o", str(tmp_path / "o.mp4"), "--text", "a",
        "--text-file", str(audio),
    )  # fmt: skip
    assert both.returncode == 2 and "Traceback" not in both.stderr


@pytest.fixture(scope="module")
def reported(inputs, tmp_path_factory):
    """A run with the JSON and HTML run reports."""
    video, audio = inputs
    folder = tmp_path_factory.mktemp("reported")
    out, report, page = folder / "out.mp4", folder / "run.json", folder / "run.html"
    proc = lipsync(
        "sync", str(video), str(audio), "-o", str(out), "--text", "Mama made a map.",
        "--lang", "en", "--report", str(report), "--html", str(page),
    )  # fmt: skip
    return proc, report, page


def test_preflight_warns_before_the_run_and_reports_after(reported):
    proc, report, page = reported
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    warning = next(i for i, line in enumerate(lines) if "check: WARN  Resolution" in line)
    assert warning < next(i for i, line in enumerate(lines) if "wrote " in line)
    assert "audio-visual offset" in proc.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["frames"] == 40 and data["rendered"] == 40  # the engine's own fields stay
    assert data["preflight"]["quick"] is True and data["preflight"]["status"] == "warn"
    analysis = data["analysis"]
    assert analysis["frames"] == 40 and analysis["passed_through"] == {}
    assert abs(analysis["av_offset"]["frames"]) <= 1 and analysis["av_offset"]["correlation"] > 0.5
    assert len(analysis["shots"]) == 1 and analysis["shots"][0]["confidence"] > 0.4
    assert 1 <= len(analysis["thumbnails"]) <= 3
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html
    assert html.count("data:image/png;base64,") == 2 * len(analysis["thumbnails"]) + 1


@pytest.mark.browser
def test_run_page_in_a_real_browser(reported, tmp_path):
    from quality_media import CHROMIUM, CHROMIUM_SKIP, browse

    if CHROMIUM is None:
        pytest.skip(CHROMIUM_SKIP)
    _, report, page = reported
    shot, text = browse(page, tmp_path)
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000
    for check in json.loads(report.read_text(encoding="utf-8"))["preflight"]["checks"]:
        assert check["title"] in text and check["message"] in text
    for words in ("Frames processed", "Audio-visual offset", "Per-shot confidence",
                  "widest mouth openings", "Mouth opening against the speech"):  # fmt: skip
        assert words in text


def test_strict_stops_before_the_render(inputs, tmp_path):
    video, _ = inputs
    quiet = tmp_path / "quiet.wav"
    rng = np.random.default_rng(1)
    save_audio(quiet, rng.normal(0, 0.01, 16000).astype(np.float32), 16000)
    out = tmp_path / "out.mp4"
    proc = lipsync("sync", str(video), str(quiet), "-o", str(out), "--strict")
    assert_one_sentence_error(proc, 3, "preflight check failed", "speech present", "--strict")
    assert not out.exists()
    both = lipsync("sync", str(video), str(quiet), "-o", str(out), "--strict", "--no-check")
    assert both.returncode == 2 and "Traceback" not in both.stderr


def test_demo_writes_everything(tmp_path):
    proc = lipsync("demo", "--out", str(tmp_path / "demo"))
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert names == [
        "astronaut.mp4",
        "astronaut_es.mp4",
        "mouth_opening.png",
        "report.json",
        "side_by_side.mp4",
        "speech_es.wav",
        "speech_es.wav.phones.json",
    ]
    report = json.loads((tmp_path / "demo" / "report.json").read_text())
    assert report["rendered"] == report["frames"] > 100
    side = probe(tmp_path / "demo" / "side_by_side.mp4").video[0]
    assert (side.width, side.height) == (2560, 720)
    assert (tmp_path / "demo" / "mouth_opening.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = float(proc.stdout.split("r = ")[1].split(",")[0])
    assert r >= 0.5
