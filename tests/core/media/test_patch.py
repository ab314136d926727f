"""Changing a region of a decoded 4:2:0 frame leaves every other pixel as decoded."""

from __future__ import annotations

import av
import numpy as np
import pytest
from mediatools import psnr

from lipsync.core.media import open_video
from lipsync.core.media.patch import PatchFrame, even_region, patchable


def first_frame(path):
    reader = open_video(path)
    _, decoded = next(reader.iter_decoded())
    return reader, decoded


@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuvj420p"])
def test_untouched_frame_is_bit_exact(make_clip, pix_fmt):
    clip = make_clip("c.mp4", size="320x240", audio=False, pix_fmt=pix_fmt)
    reader, decoded = first_frame(clip)
    with reader:
        assert patchable(reader.info)
        patch = PatchFrame(decoded, reader.info)
        out = patch.to_av()
        assert out.format.name == pix_fmt
        for a, b in zip(decoded.to_ndarray(), out.to_ndarray(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_region_rgb_matches_the_full_frame(make_clip):
    clip = make_clip("c.mp4", size="320x240", audio=False)
    reader, decoded = first_frame(clip)
    with reader:
        full = reader.to_rgb(decoded)
        patch = PatchFrame(decoded, reader.info)
        x0, y0, x1, y1 = region = even_region(41.3, 30.7, 201.2, 171.9, 320, 240)
        assert region == (40, 30, 202, 172)
        part = patch.rgb(region)
        assert part.shape == (142, 162, 3)
        assert psnr(part[2:-2, 2:-2], full[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2]) > 45


def test_only_changed_pixels_are_written_back(make_clip):
    clip = make_clip("c.mp4", size="320x240", audio=False)
    reader, decoded = first_frame(clip)
    with reader:
        patch = PatchFrame(decoded, reader.info)
        region = (100, 80, 200, 180)
        before = patch.rgb(region)
        after = before.copy()
        after[20:41, 30:51] = (250, 20, 20)  # a red square at odd edges
        patch.put_rgb(region, before, after)
        assert patch.changed
        out = patch.to_av()
        y_in = decoded.to_ndarray()[:240]
        y_out = out.to_ndarray()[:240]
        changed = np.argwhere(y_in != y_out)
        assert changed.size
        assert changed[:, 0].min() >= 100 and changed[:, 0].max() <= 120
        assert changed[:, 1].min() >= 130 and changed[:, 1].max() <= 150
        red = reader.to_rgb(out)[105:115, 135:145].reshape(-1, 3).mean(axis=0)
        assert red[0] > 200 and red[1] < 60 and red[2] < 60


def test_planar_layouts_are_patchable_and_semi_planar_ones_are_not(make_clip):
    import dataclasses

    for name, kwargs in [("a.mp4", {"pix_fmt": "yuv444p"}), ("b.mov", {"pix_fmt": "yuv422p10le"})]:
        clip = make_clip(name, audio=False, **kwargs)
        with open_video(clip) as reader:
            assert patchable(reader.info)
            assert not patchable(dataclasses.replace(reader.info, pix_fmt="nv12"))


def test_writer_refuses_a_frame_of_another_size(make_clip, tmp_path):
    from lipsync.core.errors import ProcessingError
    from lipsync.core.media import EncodeOptions, VideoWriter

    clip = make_clip("c.mp4", audio=False)
    with open_video(clip) as reader:
        info = reader.info
    frame = av.VideoFrame(322, 240, "rgb24")
    with (
        pytest.raises(ProcessingError, match="322x240"),
        VideoWriter(tmp_path / "o.mp4", info, options=EncodeOptions(audio_mode="none")) as w,
    ):
        w.write_decoded(frame, 0)
