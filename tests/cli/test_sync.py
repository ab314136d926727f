"""``lipsync sync`` and ``lipsync demo`` through the installed console script."""

from __future__ import annotations

import json

import numpy as np
import pytest
from clitools import assert_one_sentence_error, lipsync
from mediatools import lavfi_clip

from lipsync.core.demo import write_portrait_clip
from lipsync.core.media import probe, save_audio
from lipsync.core.speech import synthesize


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sync")
    syn = synthesize("Mama made a map.", "en-us")
    audio = save_audio(folder / "line.wav", syn.samples, syn.sample_rate)
    video = write_portrait_clip(folder / "face.mp4", 1.6, (640, 360), preset="ultrafast")
    return video, audio


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
    proc = lipsync("sync", str(bars), str(audio), "-o", str(out))
    assert_one_sentence_error(proc, 3, "has a face", "--allow-no-face")
    assert not out.exists()
    proc = lipsync("sync", str(bars), str(audio), "-o", str(out), "--allow-no-face")
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and "untouched copy" in proc.stderr


@pytest.mark.parametrize(
    ("extra", "code", "words"),
    [
        (["--face", "loudest"], 3, ["Unknown face choice"]),
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
