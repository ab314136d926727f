"""HDR10 masters keep their static metadata: the mastering display (primaries, white point,
luminance range) and the content light levels (MaxCLL, MaxFALL), which players tone-map by and
delivery QC asks for. Before, every output lost them (its pixels and PQ/BT.2020 tags kept).

Real footage: the repository's real clip graded nowhere but tagged as an HDR10 master by
ffmpeg at test time (10-bit PQ, BT.2020, the metadata as H.265 or H.264 SEI).
"""

from __future__ import annotations

import json
import random
import struct
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import pytest
from clitools import lipsync

from lipsync.core.engine import LipSyncEngine, SyncOptions
from lipsync.core.media import EncodeOptions, probe
from lipsync.core.media.hdr import (
    HdrMetadata,
    MasteringDisplay,
    from_side_data,
    parse_light,
    parse_mastering,
)

CLIP = Path(__file__).resolve().parents[2] / "data" / "retalking_face3_2s.mp4"
# P3 primaries in a 1000-nit display, D65 white: the usual HDR10 grade
DISPLAY = "G(13250,34500)B(7500,3000)R(34000,16000)WP(15635,16450)L(10000000,50)"
LIGHT = (1000, 400)
HDR_TAGS = ["-color_primaries", "bt2020", "-color_trc", "smpte2084", "-colorspace", "bt2020nc"]
EXPECTED = HdrMetadata(
    MasteringDisplay(
        red=(Fraction(34000, 50000), Fraction(16000, 50000)),
        green=(Fraction(13250, 50000), Fraction(34500, 50000)),
        blue=(Fraction(7500, 50000), Fraction(3000, 50000)),
        white=(Fraction(15635, 50000), Fraction(16450, 50000)),
        min_luminance=Fraction(50, 10000),
        max_luminance=Fraction(1000),
    ),
    *LIGHT,
)


def master(out: Path, codec: str) -> Path:
    """A one-second HDR10 master of the real clip by the ffmpeg program (``libx265`` or
    ``libx264``, each with its own way of giving the metadata)."""
    if codec == "libx265":
        params = ["-x265-params", f"log-level=error:hdr10=1:master-display={DISPLAY}:"
                  f"max-cll={LIGHT[0]},{LIGHT[1]}"]  # fmt: skip
    else:
        params = ["-x264-params", f"mastering-display={DISPLAY}:cll={LIGHT[0]},{LIGHT[1]}"]
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(CLIP), "-t", "1", "-c:v", codec,
         "-pix_fmt", "yuv420p10le", *HDR_TAGS, *params, "-an", str(out)],
        check=True,
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def hevc_master(tmp_path_factory) -> Path:
    return master(tmp_path_factory.mktemp("hdr") / "master.mp4", "libx265")


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(out), "Bright light, dark night."], check=True)
    return out


def frame_metadata(path: Path) -> HdrMetadata | None:
    """What the first frame of ``path`` carries, read straight from PyAV's side data."""
    with av.open(str(path)) as container:
        frame = next(container.decode(video=0))
        found = {sd.type.name: bytes(sd) for sd in frame.side_data}
    return from_side_data(found.get("MASTERING_DISPLAY_METADATA"), found.get("CONTENT_LIGHT_LEVEL"))


def test_probe_reads_it(hevc_master, tmp_path):
    assert probe(hevc_master).video[0].hdr == EXPECTED
    assert probe(master(tmp_path / "avc.mp4", "libx264")).video[0].hdr == EXPECTED
    assert probe(CLIP).video[0].hdr is None
    data = probe(hevc_master).to_json()["video"][0]["hdr"]
    assert data["max_cll"] == 1000 and data["mastering"]["max_luminance"] == "1000/1"


@pytest.mark.parametrize("suffix", [".mp4", ".mkv", ".mov"])
def test_an_h264_output_keeps_it(hevc_master, speech, tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    report = LipSyncEngine(SyncOptions()).run(hevc_master, speech, out)
    assert report.rendered > 0
    assert frame_metadata(out) == EXPECTED
    info = probe(out).video[0]
    assert (info.pix_fmt, info.color_trc, info.color_primaries) == ("yuv420p10le", 16, 9)
    assert not [w for w in report.warnings if "HDR10" in w]


@pytest.mark.parametrize(
    ("codec", "suffix"), [("prores_ks", ".mov"), ("dnxhd", ".mov"), ("ffv1", ".mkv")]
)
def test_a_codec_that_cannot_carry_it_is_warned_of(hevc_master, speech, tmp_path, codec, suffix):
    out = tmp_path / f"out{suffix}"
    report = LipSyncEngine(SyncOptions(encode=EncodeOptions(codec=codec))).run(
        hevc_master, speech, out
    )
    (warning,) = [w for w in report.warnings if "HDR10" in w]
    assert "--codec h264" in warning
    assert frame_metadata(out) is None  # what the warning says


def test_a_batch_job_in_chunks_keeps_it(hevc_master, speech, tmp_path):
    """Each chunk is its own encode, and its excerpt its own file: all of them carry it."""
    (tmp_path / "talk.mp4").write_bytes(hevc_master.read_bytes())
    (tmp_path / "talk_es.wav").write_bytes(speech.read_bytes())
    job = {
        "output_dir": "out",
        "defaults": {"chunk_seconds": 0.4, "lead_in": 0.2},
        "inputs": [{"video": "talk.mp4", "dubs": {"es": "talk_es.wav"},
                    "output": "{stem}_{lang}.mp4"}],
    }  # fmt: skip
    (tmp_path / "job.json").write_text(json.dumps(job), encoding="utf-8")
    proc = lipsync("-q", "batch", str(tmp_path / "job.json"), "-j", "1")
    assert proc.returncode == 0, proc.stderr
    assert frame_metadata(tmp_path / "out" / "talk_es.mp4") == EXPECTED


def test_lipsync_probe_says_it(hevc_master):
    from lipsync.cli.probe import format_info

    line = format_info(probe(hevc_master))
    assert "HDR10 metadata: mastering display 0.005-1000 cd/m², MaxCLL 1000, MaxFALL 400" in line
    assert "HDR10" not in format_info(probe(CLIP))


def test_x264_params_give_back_what_was_read():
    assert EXPECTED.x264_params() == [f"mastering-display={DISPLAY}", "cll=1000,400"]
    assert HdrMetadata(max_cll=600).x264_params() == ["cll=600,0"]
    # a display without primaries cannot be written whole: left out, not made up
    partial = MasteringDisplay(None, None, None, None, Fraction(0), Fraction(600))
    assert HdrMetadata(partial).x264_params() == []


def test_side_data_buffers_are_read_by_their_flags():
    ints = [34000, 50000, 16000, 50000, 13250, 50000, 34500, 50000, 7500, 50000, 3000, 50000,
            15635, 50000, 16450, 50000, 50, 10000, 10000000, 10000]  # fmt: skip
    assert parse_mastering(struct.pack("=22i", *ints, 1, 1)) == EXPECTED.mastering
    only_light = parse_mastering(struct.pack("=22i", *ints, 0, 1))
    assert only_light is not None and only_light.red is None
    assert only_light.max_luminance == 1000
    assert parse_mastering(struct.pack("=22i", *ints, 0, 0)) is None
    zero_den = list(ints)
    zero_den[1] = 0  # libavutil's "unknown" ratio
    display = parse_mastering(struct.pack("=22i", *zero_den, 1, 1))
    assert display is not None and display.red is None and display.green is not None
    assert parse_light(struct.pack("=2I", 1000, 400)) == (1000, 400)
    assert from_side_data(None, None) is None


def test_fuzzed_side_data_never_raises():
    rng = random.Random(7)
    for _ in range(2000):
        a = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 100)))
        b = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 12)))
        found = from_side_data(a, b)
        if found is not None:
            found.x264_params()
            found.describe()
