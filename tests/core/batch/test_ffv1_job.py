"""A 12-bit master through a batch job with ``codec: ffv1``, cut into chunks: every sample
outside the lower face comes out exactly as decoded. Its chunks' excerpts and renders are FFV1
too, and an excerpt in a layout the encoder cannot hold is converted at depth by swscale: before,
each chunk's excerpt went through 8-bit RGB, and the whole picture lost its low 4 bits.

Real footage: the repository's real clip in 12-bit 4:2:2 (FFV1, made by ffmpeg at test time).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
from clitools import lipsync

CLIP = Path(__file__).resolve().parents[2] / "data" / "retalking_face3_2s.mp4"
SIZE = 400  # px, the clip's width and height
ABOVE_MOUTH = 180  # rows from the top that hold the eyes and nose, never the mouth


def planes_y(path: Path) -> np.ndarray:
    """The luma of every frame of ``path`` as 12-bit ``uint16 (N, SIZE, SIZE)``, by ffmpeg."""
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v", "-fps_mode",
         "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv422p12le", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, "<u2").reshape(-1, SIZE * SIZE * 2)
    return frames[:, : SIZE * SIZE].reshape(-1, SIZE, SIZE)


def test_a_twelve_bit_master_keeps_its_samples_through_chunks(tmp_path):
    master = tmp_path / "talk.mkv"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(CLIP), "-an", "-pix_fmt",
                    "yuv422p12le", "-c:v", "ffv1", str(master)], check=True)  # fmt: skip
    subprocess.run(["espeak-ng", "-w", str(tmp_path / "talk_es.wav"),
                    "Doce bits en cada muestra."], check=True)  # fmt: skip
    job = {
        "output_dir": "out",
        "defaults": {"codec": "ffv1", "chunk_seconds": 1, "lead_in": 0.5},
        "inputs": [{"video": "talk.mkv", "dubs": {"es": "talk_es.wav"},
                    "output": "{stem}_{lang}.mkv"}],
    }  # fmt: skip
    (tmp_path / "job.json").write_text(json.dumps(job), encoding="utf-8")
    proc = lipsync("-q", "batch", str(tmp_path / "job.json"), "-j", "1")
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "out" / "talk_es.mkv"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
         "stream=codec_name,pix_fmt", "-of", "default=nw=1", str(out)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert "codec_name=ffv1" in probe and "pix_fmt=yuv422p12le" in probe, probe
    before, after = planes_y(master), planes_y(out)
    assert before.shape == after.shape
    assert np.array_equal(before[:, :ABOVE_MOUTH], after[:, :ABOVE_MOUTH])
    assert (before != after).any(axis=(1, 2)).sum() > len(before) // 2  # lip-synced
