"""Anamorphic footage keeps its pixel shape: HDV's 1440x1080 shows as 1920x1080 because each
pixel is 4/3 as wide as high, PAL DV 16:9 (720x576) at 64/45. The output carries the input's
sample aspect ratio (the encoder's and the container's); without it, it showed squeezed.

Real footage: the repository's real clip squeezed to 3/4 of its width by ffmpeg, flagged 4:3.
"""

from __future__ import annotations

import subprocess
from fractions import Fraction
from pathlib import Path

import pytest

from lipsync.core.engine import LipSyncEngine, SyncOptions
from lipsync.core.media import EncodeOptions, probe

CLIP = Path(__file__).resolve().parents[2] / "data" / "retalking_face3_2s.mp4"


@pytest.fixture(scope="module")
def squeezed(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("anamorphic") / "squeezed.mp4"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(CLIP), "-t", "1", "-vf",
         "scale=300:400,setsar=4/3", "-c:v", "libx264", "-crf", "14", "-an", str(out)],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(out), "Wide pixels stay wide."], check=True)
    return out


def sample_aspect(path: Path) -> str:
    return subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
         "stream=sample_aspect_ratio", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def test_probe_reads_the_pixel_shape(squeezed):
    assert probe(squeezed).video[0].sample_aspect == Fraction(4, 3)
    assert probe(CLIP).video[0].sample_aspect == 1


KEPT = [
    (".mp4", "libx264"), (".mkv", "libx264"), (".mov", "prores_ks"), (".mov", "dnxhd"),
    (".mp4", "ffv1"),
]  # fmt: skip


@pytest.mark.parametrize(("suffix", "codec"), KEPT)
def test_the_output_keeps_it(squeezed, speech, tmp_path, suffix, codec):
    out = tmp_path / f"out{suffix}"
    report = LipSyncEngine(SyncOptions(encode=EncodeOptions(codec=codec))).run(
        squeezed, speech, out
    )
    assert report.rendered > 0  # the squeezed face is found and lip-synced
    assert sample_aspect(out) == "4:3"
    assert probe(out).video[0].sample_aspect == Fraction(4, 3)
    assert not [w for w in report.warnings if "anamorphic" in w]


@pytest.mark.parametrize("codec", ["ffv1", "prores_ks"])
def test_a_mkv_that_cannot_say_it_is_warned_of(squeezed, speech, tmp_path, codec):
    """Matroska takes the pixel shape from an H.264 stream's own header only, here: FFV1 and
    ProRes in a .mkv lose it, and the report says so (with what keeps it)."""
    out = tmp_path / "out.mkv"
    report = LipSyncEngine(SyncOptions(encode=EncodeOptions(codec=codec))).run(
        squeezed, speech, out
    )
    (warning,) = [w for w in report.warnings if "anamorphic" in w]
    assert "4:3" in warning and ".mov or .mp4" in warning


def test_lipsync_probe_says_it(squeezed):
    from lipsync.cli.probe import format_info

    assert "pixels 4:3 (anamorphic)" in format_info(probe(squeezed))
    assert "anamorphic" not in format_info(probe(CLIP))
