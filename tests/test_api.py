"""The library API: ``import lipsync`` stays light, every public name resolves, and
``lipsync.sync`` lip-syncs a real clip reporting its progress through one callback."""

from __future__ import annotations

import subprocess
import sys

import pytest

import lipsync
from lipsync.core.demo import write_portrait_clip
from lipsync.core.media import probe, save_audio
from lipsync.core.speech import synthesize


def test_import_lipsync_imports_nothing_heavy():
    code = (
        "import sys, lipsync\n"
        "heavy = [m for m in ('torch', 'onnxruntime', 'cv2', 'numpy', 'av', 'click')"
        " if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="


def test_every_public_name_resolves():
    assert sorted(lipsync.__all__) == sorted(["__version__", *lipsync._PUBLIC])
    for name in lipsync.__all__:
        assert getattr(lipsync, name) is not None, name
    assert lipsync.SyncOptions().renderer in lipsync.renderer_names()
    with pytest.raises(AttributeError, match="no_such_name"):
        lipsync.no_such_name  # noqa: B018


def test_errors_raised_by_the_api_are_lipsync_errors(tmp_path):
    with pytest.raises(lipsync.LipsyncError) as caught:
        lipsync.sync(tmp_path / "missing.mp4", tmp_path / "missing.wav", tmp_path / "o.mp4")
    assert isinstance(caught.value, FileNotFoundError) and "missing.mp4" in str(caught.value)


def test_sync_lip_syncs_a_clip_with_progress(tmp_path):
    speech = synthesize("Mama made a map.", "en-us")
    audio = save_audio(tmp_path / "line.wav", speech.samples, speech.sample_rate)
    video = write_portrait_clip(tmp_path / "face.mp4", 1.0, (320, 240), preset="ultrafast")
    calls: list[tuple[str, int, int | None]] = []
    report = lipsync.sync(
        video,
        audio,
        tmp_path / "out.mp4",
        lipsync.SyncOptions(encode=lipsync.EncodeOptions(preset="ultrafast")),
        on_progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    assert isinstance(report, lipsync.SyncReport)
    assert report.frames == 25 and report.rendered > 0
    assert probe(tmp_path / "out.mp4").video[0].frame_count == 25
    stages = {stage for stage, _, _ in calls}
    assert stages, "no progress reported"
    for stage in stages:
        done = [d for s, d, _ in calls if s == stage]
        assert done == sorted(done), f"{stage}: progress went back"
