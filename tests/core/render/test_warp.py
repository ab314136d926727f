"""The warp renderer on a real photo with real landmarks, re-measured with dlib."""

from __future__ import annotations

import dataclasses
import logging
import time

import numpy as np
import pytest
from render_media import (
    astronaut_frame,
    lower_face_region,
    psnr,
    shifted,
    target,
    track_face,
    with_landmarks,
)

from lipsync.core.errors import InputError
from lipsync.core.render import AppearanceBuilder, get_renderer, renderer_names, target_shape
from lipsync.core.render.normalise import face_transform

logger = logging.getLogger(__name__)


@pytest.fixture(scope="module")
def renderer():
    return get_renderer("warp")


def rendered_observation(face, appearance, params):
    """The observation of a frame rendered to ``params``: the lips and jaw where the renderer
    put them (exact), the rest as tracked."""
    shape = target_shape(appearance.neutral, params)
    face_map = face_transform(appearance.neutral, face.landmarks)
    return with_landmarks(face, **{g: face_map.apply(p) for g, p in shape.items()})


def test_measured_aperture_follows_the_target_open(frame, face, appearance, dlib_mouth, renderer):
    opens = [0.0, 0.25, 0.5, 0.75, 1.0, 0.75, 0.5, 0.25, 0.0, 1.0, 0.0]
    gaps = [
        dlib_mouth(renderer.render(frame, face, target(open=o, teeth=0.5), appearance)).gap
        for o in opens
    ]
    r = float(np.corrcoef(opens, gaps)[0, 1])
    logger.info(
        "open -> measured gap %s, r=%.3f", list(zip(opens, np.round(gaps, 3), strict=True)), r
    )
    assert r >= 0.8, (r, gaps)
    # wide open is clearly open: at least a fifth of the distance between the eyes
    assert min(g for o, g in zip(opens, gaps, strict=True) if o == 1.0) > 0.2
    assert max(g for o, g in zip(opens, gaps, strict=True) if o == 0.0) < 0.2


def test_closure_closes_the_mouth_of_an_open_source(frame, face, appearance, dlib_mouth, renderer):
    source_gap = dlib_mouth(frame).gap
    assert source_gap > 0.08  # the astronaut smiles with her teeth showing
    closed = dlib_mouth(renderer.render(frame, face, target(closure=1.0), appearance)).gap
    assert closed < 0.04, (source_gap, closed)
    # from a wide-open rendered frame (its lips where the renderer put them) back to closed
    wide = target(open=1.0, teeth=0.6)
    opened = renderer.render(frame, face, wide, appearance)
    assert dlib_mouth(opened).gap > 0.3
    open_face = rendered_observation(face, appearance, wide)
    bilabial = renderer.render(opened, open_face, target(open=0.6, closure=1.0), appearance)
    # dlib reads this shut mouth 0.049 IO open with OpenCV 4.14, 0.055 with 5.0 and 5.1 (the
    # same code; a lip line, and the source opened to 0.44): closed is well under the source
    assert dlib_mouth(bilabial).gap < 0.065


def test_width_moves_the_corners_the_right_way(frame, face, appearance, dlib_mouth, renderer):
    base = dlib_mouth(renderer.render(frame, face, target(), appearance)).width
    wide = dlib_mouth(renderer.render(frame, face, target(width=1.0), appearance)).width
    narrow = dlib_mouth(renderer.render(frame, face, target(width=-1.0), appearance)).width
    rounded = dlib_mouth(renderer.render(frame, face, target(round=1.0), appearance)).width
    assert wide > base + 0.05, (wide, base)
    assert narrow < base - 0.05, (narrow, base)
    assert rounded < base - 0.08, (rounded, base)


def test_pixels_outside_the_lower_face_are_unchanged(frame, face, appearance, renderer):
    region = lower_face_region(face, frame.shape[:2], margin=0.6)
    for params in (target(open=1.0, teeth=1.0), target(closure=1.0), target(width=1.0)):
        out = renderer.render(frame, face, params, appearance)
        assert out.shape == frame.shape and out.dtype == np.uint8
        assert np.array_equal(out[~region], frame[~region])
        changed = np.any(out != frame, axis=2)
        assert changed.sum() > 500  # the mouth did change
    # the lower-face box (what an outside judge would exclude): PSNR elsewhere >= 35 dB
    io = face.inter_ocular
    jaw = face.landmarks["jaw"]
    top = int(face.landmarks["nose"][4:, 1].min() - 0.1 * io)
    bottom = int(jaw[:, 1].max() + 0.4 * io)
    left, right = int(jaw[:, 0].min() - 0.2 * io), int(jaw[:, 0].max() + 0.2 * io)
    outside = np.ones(frame.shape[:2], bool)
    outside[top:bottom, left:right] = False
    out = renderer.render(frame, face, target(open=1.0, teeth=1.0), appearance)
    assert psnr(out[outside], frame[outside]) >= 35.0


def test_strength_blends_to_the_input(frame, face, appearance, renderer):
    params = target(open=1.0)
    assert np.array_equal(renderer.render(frame, face, params, appearance, strength=0.0), frame)
    full = renderer.render(frame, face, params, appearance, strength=1.0).astype(int)
    half = renderer.render(frame, face, params, appearance, strength=0.5).astype(int)
    d_full = np.abs(full - frame).sum()
    d_half = np.abs(half - frame).sum()
    assert 0.3 * d_full < d_half < 0.7 * d_full


def test_faces_at_the_frame_border_and_odd_sizes(face, appearance, renderer):
    # the face's lower half below the bottom edge, then off the left edge
    for size, centre in (((640, 360), (320, 330)), ((641, 359), (30, 180)), ((333, 271), None)):
        image = astronaut_frame(*size, centre=centre)
        c = centre if centre is not None else (size[0] / 2, size[1] / 2)
        moved = shifted(face, c[0] - 640, c[1] - 360)
        out = renderer.render(image, moved, target(open=1.0, width=1.0), appearance)
        assert out.shape == image.shape and out.dtype == np.uint8


def test_synthesised_interior_when_the_video_never_opens(frame, face, appearance, dlib_mouth):
    bare = dataclasses.replace(appearance, bank=())
    renderer = get_renderer("warp")
    params = target(open=1.0, teeth=1.0)
    out = renderer.render(frame, face, params, bare)
    assert dlib_mouth(out).gap > 0.2
    # the interior is darker than the lips around it, with light teeth near the upper lip
    shape = target_shape(bare.neutral, params)
    face_map = face_transform(bare.neutral, face.landmarks)
    inner = face_map.apply(shape["inner_lip"])
    centre = (inner[2] + inner[6]) / 2
    cx, cy = int(centre[0]), int(centre[1])
    luma = out.astype(float).mean(axis=2)
    assert luma[cy - 2 : cy + 3, cx - 2 : cx + 3].mean() < 80
    top = int(inner[2, 1] + 0.03 * face.inter_ocular)
    assert luma[top, cx - 3 : cx + 4].mean() > luma[cy, cx - 3 : cx + 4].mean() + 40


def test_registry():
    assert "warp" in renderer_names()
    assert get_renderer("warp").name == "warp"
    with pytest.raises(InputError, match="warp"):
        get_renderer("no-such-renderer")


def test_bad_inputs_are_input_errors(frame, face, appearance, renderer):
    with pytest.raises(InputError):
        renderer.render(frame[:, :, 0], face, target(), appearance)
    with pytest.raises(InputError):
        renderer.render(frame.astype(np.float32), face, target(), appearance)
    with pytest.raises(InputError):
        renderer.render(frame, face, np.zeros(3, np.float32), appearance)


def test_render_time_at_1080p(renderer, record_property):
    """Measures (does not assert) the time per frame at 1080p, face ~300 px wide."""
    image = astronaut_frame(1920, 1080, scale=3.3)
    face = track_face(image)
    builder = AppearanceBuilder()
    builder.add(image, face)
    app = builder.build()
    params = [target(open=o, width=0.3, teeth=0.5) for o in np.linspace(0, 1, 10)]
    renderer.render(image, face, params[0], app)
    start = time.perf_counter()
    for p in params:
        renderer.render(image, face, p, app)
    ms = (time.perf_counter() - start) / len(params) * 1000
    record_property("warp_ms_per_frame_1080p", round(ms, 2))
    logger.warning("warp renderer: %.1f ms/frame at 1080p, face %.0f px", ms, face.width)


def test_target_shapes_are_kept_by_value_and_read_only(appearance):
    """The kept target shapes follow the neutral's values, not the object holding them."""
    params = target(open=0.6, width=0.2)
    first = target_shape(appearance.neutral, params, appearance.mouth_range)
    again = target_shape(appearance.neutral, params, appearance.mouth_range)
    assert all(np.array_equal(first[g], again[g]) for g in first)
    with pytest.raises(ValueError, match="read-only"):
        first["inner_lip"][0, 0] = 0.0
    # the same dict object, its lips moved: a new shape, moved as much
    neutral = {g: np.array(p, np.float32) for g, p in appearance.neutral.items()}
    before = target_shape(neutral, params, appearance.mouth_range)
    neutral["outer_lip"][:, 1] += np.float32(0.01)
    neutral["inner_lip"][:, 1] += np.float32(0.01)
    moved = target_shape(neutral, params, appearance.mouth_range)
    for g in ("outer_lip", "inner_lip"):
        assert np.allclose(moved[g] - before[g], [0.0, 0.01], atol=1e-5), g
    other = target_shape(neutral, target(open=0.1), appearance.mouth_range)
    assert not np.array_equal(other["inner_lip"], moved["inner_lip"])
