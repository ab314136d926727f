"""BlazeFace detection on real portraits: found where they are, small faces by tiling,
nothing where there is no face."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from face_media import background, place, scene

from lipsync.core.errors import InputError
from lipsync.core.face.detection import (
    FULL_INPUT,
    SHORT_INPUT,
    DetectorOptions,
    FaceDetector,
    box_iou,
    ssd_anchors,
    tile_grid,
    weighted_nms,
)


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    return FaceDetector()


def centre(box):
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])


def test_anchor_layout_matches_the_models():
    short = ssd_anchors(SHORT_INPUT, (8, 16, 16, 16), 2)
    full = ssd_anchors(FULL_INPUT, (4,), 1)
    assert short.shape == (896, 2) and full.shape == (2304, 2)
    # the first 512 anchors are the 16x16 grid (2 per cell), the rest the 8x8 grid (6 per cell)
    assert np.allclose(short[0], [0.5 / 16, 0.5 / 16]) and np.allclose(short[1], short[0])
    assert np.allclose(short[512], [0.5 / 8, 0.5 / 8]) and np.allclose(short[517], short[512])
    assert np.allclose(full[-1], [1 - 0.5 / 48, 1 - 0.5 / 48])


def test_weighted_nms_merges_overlaps_and_keeps_separate_faces():
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    kps = np.zeros((3, 6, 2), np.float32)
    scores = np.array([0.9, 0.6, 0.8], np.float32)
    out = weighted_nms(boxes, kps, scores)
    assert len(out) == 2
    assert out[0].score == pytest.approx(0.9) and 0 < out[0].box[0] < 1
    assert out[1].box == (50.0, 50.0, 60.0, 60.0)
    assert box_iou(boxes[0], boxes[2:])[0] == 0


def test_tile_grid_covers_the_frame():
    tiles = tile_grid(1280, 720, 300)
    xs = {x for x, _ in tiles}
    ys = {y for _, y in tiles}
    assert min(xs) == 0 and max(xs) + 300 == 1280 and min(ys) == 0 and max(ys) + 300 == 720


@pytest.mark.parametrize("model", ["full", "short"])
def test_finds_the_astronaut(astronaut, model):
    frame = scene(640, 480, [(astronaut, (300.0, 220.0), 150.0, 0.0)])
    faces = FaceDetector(DetectorOptions(model=model)).detect(frame)
    assert len(faces) == 1
    face = faces[0]
    assert face.score > 0.8
    assert np.linalg.norm(centre(face.box) - [300, 220]) < 20
    assert 110 < face.width < 200
    # keypoints: the subject's right eye is on the image left, both above the mouth centre
    right_eye, left_eye, nose, mouth = face.keypoints[:4]
    assert right_eye[0] < nose[0] < left_eye[0]
    assert max(right_eye[1], left_eye[1]) < nose[1] < mouth[1]


def test_finds_a_60px_face_in_720p(astronaut, detector):
    frame = scene(1280, 720, [(astronaut, (903.0, 391.0), 60.0, 0.0)])
    faces = detector.detect(frame)
    assert len(faces) == 1, [f.box for f in faces]
    assert np.linalg.norm(centre(faces[0].box) - [903, 391]) < 10
    assert 40 < faces[0].width < 90
    # without tiling the whole-frame pass alone misses it: tiling is what finds it
    assert FaceDetector(DetectorOptions(min_face=0)).detect(frame) == []


def test_two_faces_two_detections(astronaut, cameraman, detector):
    frame = scene(
        1280, 720, [(astronaut, (350.0, 330.0), 160.0, 0.0), (cameraman, (900, 360), 140, 0)]
    )
    faces = detector.detect(frame)
    assert len(faces) == 2
    xs = sorted(centre(f.box)[0] for f in faces)
    assert abs(xs[0] - 350) < 25 and abs(xs[1] - 900) < 25


def test_no_face_gives_nothing_quietly(detector, caplog):
    from skimage import data

    caplog.set_level(logging.DEBUG, logger="lipsync")
    assert detector.detect(background(1280, 720, seed=3)) == []
    assert detector.detect(np.ascontiguousarray(data.coffee())) == []
    assert detector.detect(np.zeros((360, 640, 3), np.uint8)) == []
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_rotated_face_is_found(astronaut, detector):
    frame = background(640, 480)
    place(frame, astronaut, (320.0, 240.0), 150.0, 25.0)
    faces = detector.detect(frame)
    assert len(faces) == 1
    right_eye, left_eye = faces[0].keypoints[:2]
    angle = np.degrees(np.arctan2(left_eye[1] - right_eye[1], left_eye[0] - right_eye[0]))
    assert 15 < angle < 40  # the astronaut's own head tilt (~3 deg) plus 25


@pytest.mark.parametrize(
    "bad",
    [np.zeros((10, 10), np.uint8), np.zeros((10, 10, 3), np.float32), np.zeros((10, 10, 4))],
)
def test_bad_frame_is_an_input_error(detector, bad):
    with pytest.raises(InputError, match="RGB uint8"):
        detector.detect(bad)
