"""Interlaced footage keeps its fields: the output is coded interlaced, in the input's field
order, and flagged so, instead of as progressive frames of woven fields (which players and
editors then show combed, never deinterlaced). Broadcast masters (1080i, 576i) are interlaced.

Real footage: the repository's real clip at 50 frames/s, woven into 25 interlaced frames a
second by ffmpeg (``tinterlace``), top or bottom field first; coded by ffmpeg's libx264 as a
broadcast encoder codes it. Lossless output (``--crf 0``), so the picture above the mouth
must decode exactly as the input's.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from lipsync.core.engine import LipSyncEngine, SyncOptions
from lipsync.core.media import EncodeOptions, iter_frames, probe
from lipsync.core.media.probe import FIELD_ORDERS

CLIP = Path(__file__).resolve().parents[2] / "data" / "retalking_face3_2s.mp4"
FIRST = {"tff": "top", "bff": "bottom"}


def _ffprobe(path: Path, entries: str, frames: bool = False) -> str:
    args = ["ffprobe", "-v", "error", "-select_streams", "v"]
    if frames:
        args += ["-read_intervals", "%+#1"]
    args += ["-show_entries", entries, "-of", "default=nw=1", str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module", params=["tff", "bff"])
def woven(request, tmp_path_factory) -> tuple[str, Path]:
    """One second of the real clip, interlaced with its ``tff`` or ``bff`` field first."""
    order = request.param
    out = tmp_path_factory.mktemp("interlaced") / f"{order}.mkv"
    field = "top" if order == "tff" else "bottom"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(CLIP), "-t", "1",
         "-vf", f"scale=320:320,fps=50,tinterlace=mode=interleave_{field},"
                f"setfield={order}",
         "-c:v", "libx264", "-flags", "+ilme+ildct", "-x264opts", f"{order}=1",
         "-crf", "12", "-pix_fmt", "yuv420p", str(out)],
        check=True,
    )  # fmt: skip
    return order, out


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(out), "Every field in its place."], check=True)
    return out


def test_probe_reads_the_field_order(woven):
    order, path = woven
    info = probe(path).video[0]
    assert info.interlaced and info.field_order in FIELD_ORDERS.values()
    assert info.top_field_first == (order == "tff")
    assert not probe(CLIP).video[0].interlaced


@pytest.mark.parametrize("suffix", [".mkv", ".mov"])
def test_sync_keeps_the_fields_and_their_order(woven, speech, tmp_path, suffix):
    order, path = woven
    out = tmp_path / f"out{suffix}"
    options = SyncOptions(renderer="warp", encode=EncodeOptions(crf=0))
    report = LipSyncEngine(options).run(path, speech, out)
    assert report.rendered > 0
    frame = _ffprobe(out, "frame=interlaced_frame,top_field_first", frames=True)
    assert "interlaced_frame=1" in frame, frame
    assert f"top_field_first={int(order == 'tff')}" in frame, frame
    assert probe(out).video[0].top_field_first == (order == "tff")
    # above the mouth, every frame decodes as the input's (lossless, fields untouched)
    changed = 0
    for a, b in zip(iter_frames(path), iter_frames(out), strict=True):
        top = a.image.shape[0] * 45 // 100  # the eyes and nose; the mouth is further down
        assert np.array_equal(a.image[:top], b.image[:top])
        changed += not np.array_equal(a.image, b.image)
    assert changed > 0


def test_progressive_stays_progressive(speech, tmp_path):
    out = tmp_path / "out.mp4"
    LipSyncEngine(SyncOptions(renderer="warp")).run(CLIP, speech, out)
    assert "field_order=progressive" in _ffprobe(out, "stream=field_order")
    assert "interlaced_frame=0" in _ffprobe(out, "frame=interlaced_frame", frames=True)


def test_lipsync_probe_says_it(woven):
    from lipsync.cli.probe import format_info

    order, path = woven
    assert f"interlaced, {FIRST[order]} field first" in format_info(probe(path))
    assert "interlaced" not in format_info(probe(CLIP))
