"""``lipsync check`` through the installed console script: a clean shot passes, problems are
listed with their advice, --strict fails, outputs are written atomically, bad input is one
sentence, and the HTML page opens in a real browser."""

from __future__ import annotations

import json

import numpy as np
import pytest
from clitools import assert_one_sentence_error, lipsync
from quality_media import (
    CHROMIUM,
    CHROMIUM_SKIP,
    ClipSpec,
    browse,
    room_tone,
    save_wav,
    speech,
    write_clip,
)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("check")
    samples, rate = speech(0.2)
    seconds = round(samples.shape[0] / rate, 2)
    return {
        "folder": folder,
        "speech": save_wav(folder / "speech.wav", samples, rate),
        "silent": save_wav(folder / "silent.wav", *room_tone(seconds)),
        "clean": write_clip(folder / "clean.mp4", ClipSpec(size=(1280, 720), seconds=seconds)),
        "two": write_clip(folder / "two.mp4", ClipSpec(two_faces=True, seconds=seconds)),
    }


@pytest.fixture(scope="module")
def clean_run(media):
    folder = media["folder"]
    out_json, out_html = folder / "checks.json", folder / "checks.html"
    proc = lipsync(
        "check", str(media["clean"]), str(media["speech"]), "--json", str(out_json),
        "--html", str(out_html),
    )  # fmt: skip
    return proc, out_json, out_html


def test_clean_shot_passes_every_check(clean_run):
    proc, out_json, out_html = clean_run
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert all(line.startswith("PASS  ") for line in lines[:-1]), proc.stdout
    assert lines[-1].endswith("15 passed, 0 warnings, 0 failed.")
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["status"] == "pass" and len(data["checks"]) == 15
    page = out_html.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Speech present" in page
    assert f"wrote {out_json}" in proc.stderr
    assert sorted(p.name for p in out_json.parent.glob(".lipsync-tmp-*")) == []


@pytest.mark.browser
def test_check_page_in_a_real_browser(clean_run, tmp_path):
    if CHROMIUM is None:
        pytest.skip(CHROMIUM_SKIP)
    _, out_json, out_html = clean_run
    shot, text = browse(out_html, tmp_path)
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000
    for check in json.loads(out_json.read_text(encoding="utf-8"))["checks"]:
        assert check["title"] in text and check["message"] in text


def test_problems_are_listed_and_strict_fails(media):
    proc = lipsync("check", str(media["two"]), str(media["silent"]))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "WARN  Several faces: Up to 2 faces" in out and "--face ID" in out
    assert "WARN  Resolution: 640x360" in out
    assert "FAIL  Speech present: No speech found" in out
    assert "At 0.0–" in out  # the ranges concerned
    strict = lipsync("check", str(media["two"]), str(media["silent"]), "--strict")
    assert strict.returncode == 3 and "Traceback" not in strict.stderr
    errors = strict.stderr.strip().splitlines()
    assert len(errors) == 1 and errors[0].startswith("lipsync: error: The preflight check failed")
    assert "speech present" in errors[0] and "FAIL  Speech present" in strict.stdout


def test_quick_check_and_video_only(media):
    proc = lipsync("check", str(media["two"]), "--quick")
    assert proc.returncode == 0, proc.stderr
    assert "Head motion: Not measured: frames sampled 1.0 s apart" in proc.stdout
    assert "Speech present" not in proc.stdout
    assert proc.stdout.rstrip().endswith("8 passed, 2 warnings, 0 failed.")


def test_bad_input_is_one_sentence(media, tmp_path):
    missing = lipsync("check", str(tmp_path / "none.mp4"))
    assert_one_sentence_error(missing, 3, "does not exist")
    same = lipsync("check", str(media["two"]), "--json", str(media["two"]))
    assert_one_sentence_error(same, 3, "same file as the input")
    not_audio = lipsync("check", str(media["two"]), str(media["two"]))
    assert_one_sentence_error(not_audio, 3, "no audio stream")
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(np.random.default_rng(0).bytes(5000))
    assert_one_sentence_error(lipsync("check", str(junk)), 3, "junk.mp4")
    folder = lipsync("check", str(media["two"]), "--html", str(tmp_path / "nowhere" / "r.html"))
    assert_one_sentence_error(folder, 3, "does not exist")
    assert lipsync("check", str(media["two"]), "--samples-per-second", "0").returncode == 2
