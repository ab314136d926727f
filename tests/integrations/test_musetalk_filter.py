"""``lipsync-filter --renderer musetalk --model FOLDER --audio``: a tiny random-weight MuseTalk
export between real ffmpeg processes keeps every frame and redraws the faces' lower half."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from clitools import script

pytest.importorskip("torch")
pytest.importorskip("diffusers")

from musetalk_models import exported_musetalk

from lipsync.core.demo import write_portrait_clip
from lipsync.core.media import save_audio
from lipsync.core.speech import synthesize, write_sidecar

pytestmark = pytest.mark.slow

SIZE = (480, 270)


def y4m_frames(data: bytes, width: int, height: int) -> list[np.ndarray]:
    """The luma planes of a 4:2:0 yuv4mpeg stream."""
    frames, at = [], data.index(b"\n") + 1
    size = width * height * 3 // 2
    while at < len(data):
        at = data.index(b"\n", at) + 1  # FRAME header
        frames.append(
            np.frombuffer(data[at : at + width * height], np.uint8).reshape(height, width)
        )
        at += size
    return frames


def test_the_filter_runs_musetalk_on_every_frame(tmp_path):
    folder = exported_musetalk().folder
    syn = synthesize("Bob bought a map.", "en-us")
    speech = save_audio(tmp_path / "line.wav", syn.samples, syn.sample_rate)
    write_sidecar(speech, syn.events)
    clip = write_portrait_clip(tmp_path / "clip.mp4", 0.6, size=SIZE)
    source = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(clip), "-f", "yuv4mpegpipe", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    proc = subprocess.run(
        [script("lipsync-filter"), "-q", "--colorspace", "bt709", "--audio", str(speech),
         "--renderer", "musetalk", "--model", str(folder)],
        input=source, capture_output=True, check=False, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.split(b"\n", 1)[0] == source.split(b"\n", 1)[0]
    before, after = y4m_frames(source, *SIZE), y4m_frames(proc.stdout, *SIZE)
    assert len(before) == len(after) == 15
    changed = [
        np.abs(a.astype(int) - b.astype(int)).max() > 12 for a, b in zip(before, after, strict=True)
    ]
    assert sum(changed) >= len(changed) // 2
