"""Decode + encode through the media layer keeps every frame, timestamp, size and rate."""

from __future__ import annotations

import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from mediatools import ffmpeg, psnr

from lipsync.core.errors import ProcessingError
from lipsync.core.media import (
    EncodeOptions,
    VideoWriter,
    frame_times,
    iter_frames,
    open_video,
    probe,
)


def transcode(src: Path, dst: Path, **options) -> None:
    opts = EncodeOptions(**({"audio_mode": "none"} | options))
    with open_video(src) as reader, VideoWriter(dst, reader.info, options=opts, inputs=[src]) as w:
        for frame in reader:
            w.write(frame)


def frames_of(path: Path) -> tuple[list[Fraction], np.ndarray]:
    times, images = [], []
    for f in iter_frames(path):
        times.append(f.pts * f.time_base)
        images.append(f.image)
    return times, np.stack(images)


def assert_same_frames(src: Path, dst: Path, min_psnr: float = 40.0) -> None:
    src_times, src_images = frames_of(src)
    dst_times, dst_images = frames_of(dst)
    assert len(dst_times) == len(src_times)
    assert dst_times == src_times  # exact presentation times, as fractions of a second
    assert dst_images.shape == src_images.shape
    assert psnr(src_images, dst_images) >= min_psnr


def test_testsrc2_roundtrip_keeps_frames_pts_and_quality(make_clip, tmp_path):
    src = make_clip("src.mp4", size="640x360", rate="25", duration=2, audio=False)
    dst = tmp_path / "out.mp4"
    transcode(src, dst)
    assert_same_frames(src, dst)
    a, b = probe(src).video[0], probe(dst).video[0]
    assert (b.width, b.height, b.fps, b.frame_count) == (a.width, a.height, a.fps, a.frame_count)


def test_ntsc_rate_and_nonzero_start_are_kept(make_clip, tmp_path):
    src = make_clip(
        "ntsc.mov",
        rate="30000/1001",
        duration=1,
        audio=False,
        extra=["-output_ts_offset", "1.5"],
    )
    dst = tmp_path / "out.mov"
    transcode(src, dst)
    assert_same_frames(src, dst)
    info = probe(dst).video[0]
    assert info.fps == Fraction(30000, 1001)
    first = next(iter_frames(dst))
    assert first.time == pytest.approx(next(iter_frames(src)).time)
    assert frame_times(dst) == tuple(f.time for f in iter_frames(dst))
    assert first.time > 1.4


@pytest.mark.parametrize("rotation", [90, 270])
def test_rotation_is_applied_on_read_and_kept_on_write(make_clip, tmp_path, rotation):
    plain = make_clip("plain.mp4", size="320x240", duration=0.4, audio=False)
    rotated = tmp_path / f"rot{rotation}.mp4"
    ffmpeg("-i", str(plain), "-c", "copy", "-metadata:s:v:0", f"rotate={rotation}", str(rotated))
    info = probe(rotated).video[0]
    assert (info.width, info.height) == (240, 320)
    assert (info.coded_width, info.coded_height) == (320, 240)
    assert info.rotation % 360 == rotation % 360 or info.rotation == rotation - 360
    upright = next(iter_frames(rotated)).image
    assert upright.shape == (320, 240, 3)
    # ffmpeg's own autorotation gives the same upright picture
    raw = tmp_path / "auto.rgb"
    ffmpeg("-i", str(rotated), "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", str(raw))
    ffmpeg_upright = np.fromfile(raw, np.uint8).reshape(320, 240, 3)
    assert psnr(upright, ffmpeg_upright) > 40
    dst = tmp_path / "out.mp4"
    transcode(rotated, dst)
    out = probe(dst).video[0]
    assert (out.coded_width, out.coded_height, out.rotation) == (320, 240, info.rotation)
    assert_same_frames(rotated, dst)


def test_variable_frame_rate_timing_is_kept(make_clip, tmp_path):
    # drop two frames out of every five: irregular intervals that must survive as they are
    src = make_clip(
        "vfr.mkv",
        duration=2,
        audio=False,
        vfilter="select='not(between(mod(n\\,5)\\,1\\,2))'",
        extra=["-fps_mode", "passthrough"],
    )
    times, _ = frames_of(src)
    steps = {t2 - t1 for t1, t2 in itertools.pairwise(times)}
    assert len(steps) > 1, "the test clip should have irregular frame intervals"
    assert frame_times(src) == tuple(float(t) for t in times)  # from packets, no decoding
    dst = tmp_path / "out.mkv"
    transcode(src, dst)
    assert_same_frames(src, dst)
    dst_mp4 = tmp_path / "out.mp4"
    transcode(src, dst_mp4)
    assert_same_frames(src, dst_mp4)


def ffmpeg_transcode_psnr(src: Path, tmp_path: Path, pix_fmt: str) -> float:
    """PSNR of ffmpeg's own libx264 CRF 18 transcode of ``src``: the bar to match."""
    ref = tmp_path / f"ffmpeg-ref{src.suffix if src.suffix != '.mkv' else '.mp4'}"
    ffmpeg("-i", str(src), "-c:v", "libx264", "-crf", "18", "-pix_fmt", pix_fmt, str(ref))
    return psnr(frames_of(src)[1], frames_of(ref)[1])


def test_10bit_422_source(make_clip, tmp_path):
    src = make_clip("hi.mov", duration=0.6, audio=False, pix_fmt="yuv422p10le")
    assert probe(src).video[0].bit_depth == 10
    dst = tmp_path / "out.mov"
    transcode(src, dst)
    out = probe(dst).video[0]
    assert out.pix_fmt == "yuv422p10le"  # chroma layout and depth kept
    assert_same_frames(src, dst)


def test_444_source(make_clip, tmp_path):
    src = make_clip("full.mp4", duration=0.6, audio=False, pix_fmt="yuv444p")
    dst = tmp_path / "out.mp4"
    transcode(src, dst)
    assert probe(dst).video[0].pix_fmt == "yuv444p"
    assert_same_frames(src, dst, ffmpeg_transcode_psnr(src, tmp_path, "yuv444p") - 1.0)


def test_odd_size_source(make_clip, tmp_path):
    src = make_clip(
        "odd.mkv",
        size="721x405",
        duration=0.6,
        audio=False,
        vcodec=("-c:v", "ffv1"),
        source="testsrc",
    )
    info = probe(src).video[0]
    assert (info.width, info.height) == (721, 405)
    dst = tmp_path / "out.mp4"
    transcode(src, dst)
    out = probe(dst).video[0]
    assert (out.width, out.height) == (721, 405)
    assert out.pix_fmt == "yuv444p"  # 4:2:0 cannot hold an odd size; nothing is cropped
    assert_same_frames(src, dst, ffmpeg_transcode_psnr(src, tmp_path, "yuv444p") - 1.0)


def test_writer_checks_frame_shape(clip, tmp_path):
    with open_video(clip) as reader:
        info = reader.info
    dst = tmp_path / "out.mp4"
    with (
        pytest.raises(ProcessingError),
        VideoWriter(dst, info, options=EncodeOptions(audio_mode="none")) as w,
    ):
        w.write(np.zeros((10, 10, 3), np.uint8))
    assert not dst.exists()


def test_decoded_frames_are_rgb_uint8(clip):
    frame = next(iter_frames(clip))
    assert frame.image.dtype == np.uint8
    assert frame.image.shape == (240, 320, 3)
    assert frame.index == 0 and frame.pts == 0 and frame.time == 0.0
    # testsrc2 has a saturated colour bar layout: all three channels vary
    assert all(frame.image[..., c].std() > 10 for c in range(3))


def test_ffmpeg_reads_our_output(clip, tmp_path):
    dst = tmp_path / "out.mp4"
    transcode(clip, dst)
    with av.open(str(dst)) as c:
        assert c.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in c.decode(video=0)) == 25
