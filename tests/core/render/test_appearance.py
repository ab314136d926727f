"""The per-track appearance: neutral mouth from the least open frames, a bounded bank."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from render_media import target, with_landmarks

from lipsync.core.errors import InputError
from lipsync.core.render import AppearanceBuilder, get_renderer, target_shape
from lipsync.core.render import parameters as P
from lipsync.core.render.normalise import face_transform


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
