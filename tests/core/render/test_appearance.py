"""The per-track appearance: neutral mouth from the least open frames, a bounded bank."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from render_media import target, with_landmarks

from lipsync.core.errors import InputError
from lipsync.core.render import AppearanceBuilder, get_renderer, target_shape
from lipsync.core.render import parameters as P
from lipsync.core.render.appearance import lip_colour, lip_shape
from lipsync.core.render.normalise import (
    eye_frame,
    face_transform,
    inner_gaps,
    mouth_centre,
    normalised_shape,
)


def test_streaming_builder_keeps_the_neutral_and_the_most_open_frames(frame, face, appearance):
    renderer = get_renderer("warp")
    face_map = face_transform(appearance.neutral, face.landmarks)
    builder = AppearanceBuilder()
    opens = [0.0, 0.0, 0.9, 0.0, 0.1, 0.0, 0.6, 1.0, 0.0, 0.3] * 6  # 30 closed
    for o in opens:
        params = target(open=o, teeth=0.5)
        image = renderer.render(frame, face, params, appearance)
        shape = target_shape(appearance.neutral, params)
        observed = with_landmarks(face, **{g: face_map.apply(p) for g, p in shape.items()})
        builder.add(image, observed)
    built = builder.build()
    assert built.frames == len(opens)
    assert 1 <= len(built.bank) <= P.BANK_SIZE
    assert built.bank[0].openness == max(s.openness for s in built.bank)
    assert built.bank[0].openness > 0.4
    frames = sorted(s.frame for s in built.bank)
    assert all(b - a >= P.BANK_MIN_SPACING for a, b in itertools.pairwise(frames))
    # the neutral comes from the least open frames: the open=0 shape, not an average
    neutral, single = built.neutral_openness, appearance.neutral_openness
    assert abs(neutral - single) < 0.01, (neutral, single)
    assert built.bank[0].crop.dtype == np.uint8 and built.bank[0].crop.ndim == 3


def test_building_without_frames_is_an_input_error():
    with pytest.raises(InputError):
        AppearanceBuilder().build()


def test_every_build_has_the_median_of_the_least_open_shapes_seen(frame, face, appearance):
    """Built after every frame, as the stream does: the neutral is the per-group median of the
    least-open share of the shapes seen so far (however the builder keeps its pool), and a
    build's arrays are its own."""
    face_map = face_transform(appearance.neutral, face.landmarks)
    rng = np.random.default_rng(4)
    builder = AppearanceBuilder()
    seen: list[tuple[float, dict[str, np.ndarray]]] = []
    for o in rng.permutation(np.linspace(0.0, 0.9, 200)):  # distinct openings, no ties
        shape = target_shape(appearance.neutral, target(open=o, width=rng.uniform(-0.5, 0.5)))
        jitter = {g: p + rng.normal(0, 0.01, p.shape) for g, p in shape.items()}
        observed = with_landmarks(face, **{g: face_map.apply(p) for g, p in jitter.items()})
        builder.add(frame, observed)
        normalised = normalised_shape(observed.landmarks)
        seen.append((float(inner_gaps(normalised["inner_lip"]).mean()), normalised))
        k = int(np.clip(round(P.NEUTRAL_SHARE * len(seen)), P.NEUTRAL_MIN, P.NEUTRAL_POOL))
        least = [s for _, s in sorted(seen, key=lambda gs: gs[0])[:k]]
        median = {g: np.median(np.stack([s[g] for s in least]), axis=0) for g in least[0]}
        centre = mouth_centre(median["outer_lip"])
        built = builder.build()
        assert list(built.neutral) == list(median)
        for g, points in median.items():
            assert built.neutral[g].tobytes() == (points - centre).astype(np.float32).tobytes()
            built.neutral[g][:] = 99.0  # a caller's change stays in its own build
    assert builder.build().neutral["outer_lip"].max() < 5.0


def test_lip_shape_is_that_of_the_whole_normalised_shape(face, appearance):
    """The builder maps only the lips of most frames: the same values as the whole shape's."""
    face_map = face_transform(appearance.neutral, face.landmarks)
    rng = np.random.default_rng(9)
    for _ in range(50):
        params = target(open=rng.uniform(0, 1), width=rng.uniform(-1, 1), round=rng.uniform(0, 1))
        shape = target_shape(appearance.neutral, params)
        moved = {
            g: face_map.apply(p) * rng.uniform(0.5, 2.0) + rng.normal(0, 40, 2)
            for g, p in shape.items()
        }
        observed = with_landmarks(face, **moved)
        whole = normalised_shape(observed.landmarks)
        lips = lip_shape(observed.landmarks, eye_frame(observed.landmarks))
        assert list(lips) == ["outer_lip", "inner_lip"]
        for g in lips:
            assert lips[g].dtype == np.float32 and lips[g].tobytes() == whole[g].tobytes()


def test_lip_colour_is_numpys_mean_of_the_lips():
    """OpenCV's masked mean gives the very float32 of numpy's mean of the lip pixels (an
    exact sum, a quotient within 2**-51), on any picture and polygon."""
    rng = np.random.default_rng(11)
    for _ in range(200):
        image = rng.integers(0, 256, size=(60, 80, 3), dtype=np.uint8)
        centre = rng.uniform((20, 15), (60, 45))
        angles = np.linspace(0.0, 2.0 * np.pi, 12, endpoint=False)
        radii = rng.uniform(8.0, 18.0), rng.uniform(4.0, 12.0)
        outer = centre + np.stack([np.cos(angles) * radii[0], np.sin(angles) * radii[1]], 1)
        inner = centre + np.stack(
            [np.cos(angles[::2]) * radii[0] * 0.6, np.sin(angles[::2]) * radii[1] * 0.3], 1
        )
        box = np.floor(outer.min(axis=0)).astype(int), np.ceil(outer.max(axis=0)).astype(int)
        (x0, y0), (x1, y1) = np.maximum(box[0], 0), np.minimum(box[1] + 1, (80, 60))
        mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
        at = np.array([x0, y0], np.float32)
        cv2.fillPoly(mask, [np.round(outer.astype(np.float32) - at).astype(np.int32)], 1)
        cv2.fillPoly(mask, [np.round(inner.astype(np.float32) - at).astype(np.int32)], 0)
        want = image[y0:y1, x0:x1][mask.astype(bool)].mean(axis=0).astype(np.float32)
        got = lip_colour(image, outer, inner)
        assert got.dtype == np.float32 and np.array_equal(got, want)
