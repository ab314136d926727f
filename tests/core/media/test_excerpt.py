"""Excerpts: exactly the frames asked for, lossless, first frame at 0, with a timecode."""

from __future__ import annotations

import numpy as np
import pytest
from mediatools import lavfi_clip

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.media import frame_times, iter_frames, probe
from lipsync.core.media.excerpt import (
    FrameRange,
    check_frame_count,
    frame_span,
    with_handles,
    write_excerpt,
)


def test_frame_span_rounds_to_whole_frames():
    assert frame_span(0.4, 0.8, 25) == FrameRange(10, 20)
    assert frame_span(1.0, 0.0, 25) == FrameRange(25, 1)  # at least one frame
    assert frame_span(1001 / 30000 * 3, 1001 / 30000 * 2, 30000 / 1001) == FrameRange(3, 2)


def test_handles_are_clamped_to_the_stream():
    assert with_handles(FrameRange(10, 20), 4, 100) == FrameRange(6, 28, 4, 4)
    assert with_handles(FrameRange(2, 5), 4, 9) == FrameRange(0, 9, 2, 2)
    assert with_handles(FrameRange(0, 9), 0, 9) == FrameRange(0, 9, 0, 0)
    with pytest.raises(InputError, match="frames 95–104"):
        with_handles(FrameRange(95, 10), 4, 100)
    with pytest.raises(InputError):
        with_handles(FrameRange(-1, 3), 0, 100)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """6 s of testsrc2 at 25 fps with a keyframe every 10 frames (seeking is exercised)."""
    path = tmp_path_factory.mktemp("excerpt") / "src.mp4"
    return lavfi_clip(
        path, size="96x64", duration=6.0, audio=False,
        vcodec=("-c:v", "libx264", "-crf", "20", "-preset", "ultrafast", "-g", "10"),
    )  # fmt: skip


def frames_of(path):
    return [f.image for f in iter_frames(path)]


@pytest.mark.parametrize("first", [3, 117])  # from the start, and past a seek
def test_excerpt_is_lossless_and_frame_exact(source, tmp_path, first):
    out = tmp_path / "ex.mov"
    progress = []
    span = FrameRange(first, 12)
    written = write_excerpt(
        source, out, span, timecode="01:00:04:17", on_progress=lambda d, t: progress.append(d)
    )
    assert written == 12 and progress[-1] == 12
    check_frame_count(source, span, written)
    original = frames_of(source)[first : first + 12]
    excerpt = frames_of(out)
    assert len(excerpt) == 12
    for a, b in zip(original, excerpt, strict=True):
        assert np.array_equal(a, b)  # lossless: every pixel as decoded
    times = frame_times(out)
    assert times[0] == 0 and np.allclose(np.diff(times), 1 / 25)
    info = probe(out)
    assert info.video[0].metadata["timecode"] == "01:00:04:17"
    assert not info.audio


def test_source_timecode_is_not_carried_over(tmp_path):
    src = lavfi_clip(
        tmp_path / "tc.mov", size="64x48", duration=1.0, audio=False,
        extra=("-timecode", "10:00:00:00"),
    )  # fmt: skip
    assert probe(src).video[0].metadata["timecode"] == "10:00:00:00"
    out = tmp_path / "ex.mov"
    write_excerpt(src, out, FrameRange(5, 3))
    assert "timecode" not in probe(out).video[0].metadata


def test_excerpt_through_rgb_when_formats_differ(tmp_path):
    src = lavfi_clip(tmp_path / "j.mp4", size="64x48", duration=0.4, audio=False,
                     pix_fmt="yuvj420p")  # fmt: skip
    out = tmp_path / "ex.mov"
    assert write_excerpt(src, out, FrameRange(2, 4)) == 4
    assert probe(out).video[0].frame_count == 4


def test_range_past_the_end(source, tmp_path):
    out = tmp_path / "ex.mov"
    with pytest.raises(ProcessingError, match="no frames 500"):
        write_excerpt(source, out, FrameRange(500, 3))
    assert not out.exists()
    assert write_excerpt(source, out, FrameRange(148, 10)) == 2  # the caller checks the count
    with pytest.raises(ProcessingError, match="gave 2 frames where 10"):
        check_frame_count(source, FrameRange(148, 10), 2)
