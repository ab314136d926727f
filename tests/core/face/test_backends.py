"""Backends by name: the default, dlib with a user-given model, and clear errors."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from face_media import DLIB_MODEL, DLIB_SKIP_REASON, scene

from lipsync.core.errors import InputError, MissingDependencyError
from lipsync.core.face import BackendOptions, FaceTracker, TrackerOptions, create_backend
from lipsync.core.types import LANDMARK_COUNTS


def test_unknown_backend_is_an_input_error():
    with pytest.raises(InputError, match=r"'nope'.*onnx, mediapipe, dlib"):
        create_backend(BackendOptions(name="nope"))


def test_unknown_detector_is_an_input_error():
    with pytest.raises(InputError, match="'medium'"):
        create_backend(BackendOptions(detector="medium"))


@pytest.mark.skipif(importlib.util.find_spec("mediapipe") is not None, reason="installed")
def test_mediapipe_missing_names_the_package():
    with pytest.raises(MissingDependencyError, match="mediapipe"):
        create_backend(BackendOptions(name="mediapipe"))


def test_dlib_without_model_path_says_how(tmp_path):
    pytest.importorskip("dlib", reason="dlib is not installed: pip install dlib-bin")
    with pytest.raises(InputError, match="--dlib-model"):
        create_backend(BackendOptions(name="dlib"))
    with pytest.raises(InputError, match="does not exist"):
        create_backend(BackendOptions(name="dlib", dlib_model=tmp_path / "missing.dat"))
    junk = tmp_path / "junk.dat"
    junk.write_bytes(b"not a model")
    with pytest.raises(InputError, match="not a dlib shape model"):
        create_backend(BackendOptions(name="dlib", dlib_model=junk))


def test_dlib_backend_tracks_with_the_same_layout(astronaut):
    if not DLIB_MODEL.is_file():
        pytest.skip(DLIB_SKIP_REASON)
    pytest.importorskip("dlib", reason="dlib is not installed: pip install dlib-bin")
    tracker = FaceTracker(
        TrackerOptions(backend=BackendOptions(name="dlib", dlib_model=DLIB_MODEL))
    )
    onnx = FaceTracker()
    frame = scene(640, 480, [(astronaut, (320.0, 240.0), 160.0, 0.0)])
    [face] = tracker.update(frame)
    [reference] = onnx.update(frame)
    for group, count in LANDMARK_COUNTS.items():
        assert face.landmarks[group].shape == (count, 2)
    assert (
        np.linalg.norm(
            face.landmarks["outer_lip"].mean(0) - reference.landmarks["outer_lip"].mean(0)
        )
        < 0.05 * reference.inter_ocular
    )
    [again] = tracker.update(frame)
    assert again.track_id == face.track_id
    assert tracker.update(scene(640, 480, [])) == []
