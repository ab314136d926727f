"""Changing a region of a decoded 4:2:0 frame leaves every other pixel as decoded."""

from __future__ import annotations

import av
import numpy as np
import pytest
from mediatools import ffmpeg, psnr

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
        y_in = decoded.to_ndarray()[:240]
        patch = PatchFrame(decoded, reader.info)
        region = (100, 80, 200, 180)
        before = patch.rgb(region)
        after = before.copy()
        after[20:41, 30:51] = (250, 20, 20)  # a red square at odd edges
        patch.put_rgb(region, before, after)
        assert patch.changed
        out = patch.to_av()
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


def test_a_patched_frame_leaves_the_decoder_s_reference_pictures_alone(make_clip):
    """The changed frame is the decoded one made private first: an H.264 decoder that still
    predicts later frames from it decodes them exactly as without the change."""
    clip = make_clip("c.mp4", size="320x240", audio=False)
    with open_video(clip) as reader:
        clean = [f.to_ndarray() for _, f in reader.iter_decoded()]
    with open_video(clip) as reader:
        seen = []
        for index, frame in reader.iter_decoded():
            if index % 3 == 0:
                patch = PatchFrame(frame, reader.info)
                region = patch.align((0, 0, 320, 240))
                before = patch.rgb(region)
                patch.put_rgb(region, before, 255 - before)
                frame = patch.to_av()
                assert not np.array_equal(frame.to_ndarray(), clean[index])
            else:
                seen.append((index, frame.to_ndarray()))
    assert len(seen) > len(clean) // 2
    for index, picture in seen:
        np.testing.assert_array_equal(picture, clean[index], err_msg=f"frame {index}")


def test_a_changed_frame_keeps_the_decoder_s_colour_tags_and_chroma_siting(tmp_path):
    """Converting the changed frame for an encoder that cannot hold its layout treats every
    untouched sample as converting the untouched frame does (chroma siting included)."""
    from lipsync.core.media.planes import plane_layout, read_planes
    from lipsync.core.media.writer import transcode_frame

    src = tmp_path / "odd.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-frames:v", "1",
           "-vf", "scale=321:241",
           "-pix_fmt", "yuv420p10le", "-chroma_sample_location", "left", "-c:v", "ffv1",
           str(src))  # fmt: skip
    with open_video(src) as reader:
        _, decoded = next(reader.iter_decoded())
        info = reader.info
    layout = plane_layout("yuv444p10le")
    reference = read_planes(transcode_frame(decoded, info, "yuv444p10le"), layout)
    tags = (decoded.colorspace, decoded.color_range, decoded.color_primaries, decoded.color_trc)
    patch = PatchFrame(decoded, info)
    region = patch.align((200, 150, 260, 200))
    before = patch.rgb(region)
    after = before.copy()
    after[10:20, 10:20] = 0
    patch.put_rgb(region, before, after)
    out = patch.to_av()
    assert (out.colorspace, out.color_range, out.color_primaries, out.color_trc) == tags
    converted = read_planes(transcode_frame(out, info, "yuv444p10le"), layout)
    outside = np.ones((241, 321), bool)
    outside[150 - 8 : 200 + 8, 200 - 8 : 260 + 8] = False
    for k, (a, b) in enumerate(zip(reference, converted, strict=True)):
        assert np.count_nonzero((a != b) & outside) == 0, f"plane {k}"
        assert np.any(a != b), f"plane {k} did not change"


@pytest.mark.parametrize("pix_fmt", ["yuv420p10le", "yuv422p10le", "yuv444p12le"])
def test_a_deep_frame_keeps_its_own_precision_under_a_small_change(tmp_path, pix_fmt):
    """The renderers draw in 8-bit RGB. Deeper than 8 bits, a change of one 8-bit step laid on
    a smooth gradient moves every pixel by that step and keeps the gradient's own fine values,
    instead of rounding the region to 8 bits (bands of four 10-bit codes)."""
    from lipsync.core.media.planes import plane_layout, read_planes

    src = tmp_path / "ramp.mkv"
    ffmpeg("-f", "lavfi", "-i", "gradients=size=320x240:c0=0x405060:c1=0xc0a090:n=2:seed=3",
           "-frames:v", "1", "-pix_fmt", pix_fmt, "-c:v", "ffv1", str(src))  # fmt: skip
    with open_video(src) as reader:
        _, decoded = next(reader.iter_decoded())
        info = reader.info
    layout = plane_layout(pix_fmt)
    y_in = read_planes(decoded, layout)[0].astype(np.int64)
    patch = PatchFrame(decoded, info)
    region = patch.align((80, 60, 240, 180))
    before = patch.rgb(region)
    after = np.clip(before.astype(np.int16) + 1, 0, 255).astype(np.uint8)  # one step brighter
    patch.put_rgb(region, before, after)
    y_out = read_planes(patch.to_av(), layout)[0].astype(np.int64)
    inside = (slice(70, 170), slice(90, 230))
    step = (y_out - y_in)[inside]
    codes = 1 << (int(pix_fmt[-4:-2]) - 8)  # one 8-bit step in this depth's codes, about
    assert abs(float(np.median(step)) - codes * 219 / 255) <= 1.0  # luma: limited range
    # the change is the same everywhere (within the conversions' rounding): no 8-bit bands
    assert float(np.std(step)) < 0.5 * codes, float(np.std(step))
    outside = np.ones(y_in.shape, bool)
    outside[region[1] : region[3], region[0] : region[2]] = False
    assert np.array_equal(y_out[outside], y_in[outside])
