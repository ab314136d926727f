"""Fixtures for the face tests (media helpers live in tests/face_media.py)."""

from __future__ import annotations

import pytest
from face_media import (
    DLIB_MODEL,
    DLIB_SKIP_REASON,
    DlibReference,
    Portrait,
    astronaut_portrait,
    cameraman_portrait,
)


@pytest.fixture(scope="session")
def astronaut() -> Portrait:
    return astronaut_portrait()


@pytest.fixture(scope="session")
def cameraman() -> Portrait:
    return cameraman_portrait()


@pytest.fixture(scope="session")
def dlib_reference() -> DlibReference:
    if not DLIB_MODEL.is_file():
        pytest.skip(DLIB_SKIP_REASON)
    pytest.importorskip("dlib", reason="dlib is not installed: pip install dlib-bin")
    return DlibReference()


@pytest.fixture(scope="session")
def tracker_factory():
    """Build trackers sharing the cached onnxruntime sessions."""
    from lipsync.core.face import FaceTracker, TrackerOptions

    def make(**kwargs):
        return FaceTracker(TrackerOptions(**kwargs))

    return make
