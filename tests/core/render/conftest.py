"""Fixtures for the renderer tests (media helpers in tests/render_media.py)."""

from __future__ import annotations

import numpy as np
import pytest
from render_media import DlibMouth, astronaut_frame, track_face

from lipsync.core.render import AppearanceBuilder, TrackAppearance
from lipsync.core.types import FaceObservation


@pytest.fixture(scope="module")
def frame() -> np.ndarray:
    """1280x720 frame with the astronaut's face (~110 px between the eyes) in the middle."""
    return astronaut_frame()


@pytest.fixture(scope="module")
def face(frame) -> FaceObservation:
    return track_face(frame)


@pytest.fixture(scope="module")
def appearance(frame, face) -> TrackAppearance:
    builder = AppearanceBuilder()
    builder.add(frame, face)
    return builder.build()


@pytest.fixture(scope="module")
def dlib_mouth(frame) -> DlibMouth:
    return DlibMouth(frame)
