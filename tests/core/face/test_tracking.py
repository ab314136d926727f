"""Acceptance of face tracking on real portraits in generated frames: lips agree with dlib's
68-point model, still faces do not jitter, lips follow motion unsmoothed, two moving faces keep
two ids, a frame without a face gives nothing, quietly."""

from __future__ import annotations

import logging

import numpy as np
from face_media import background, scene

from lipsync.core.types import (
    INNER_LIP_LOWER_MID,
    INNER_LIP_UPPER_MID,
    LANDMARK_COUNTS,
    OUTER_LIP_LEFT_CORNER,
    OUTER_LIP_LOWER_MID,
    OUTER_LIP_RIGHT_CORNER,
    OUTER_LIP_UPPER_MID,
)

LIP_TOLERANCE = 0.03  # of the inter-ocular distance (dlib's eye centres)
JITTER_LIMIT = 0.5  # px, standard deviation of each lip point on a still face


def lips(face) -> np.ndarray:
    return np.vstack([face.landmarks["outer_lip"], face.landmarks["inner_lip"]])


def centre(box) -> np.ndarray:
    return np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])


# (frame size, face centre, face width px, clockwise rotation deg): scale, position, rotation
LIP_FRAMES = [
    ((640, 480), (337.0, 216.0), 100.0, 0.0),
    ((640, 480), (300.0, 240.0), 160.0, 0.0),
    ((640, 480), (350.0, 230.0), 220.0, 8.0),
    ((640, 480), (280.0, 250.0), 140.0, -12.0),
    ((640, 480), (330.0, 200.0), 120.0, 20.0),
    ((1280, 720), (657.0, 324.0), 180.0, -6.0),
]


def test_lips_agree_with_dlib(astronaut, tracker_factory, dlib_reference):
    errors = []
    for (width, height), where, face_width, angle in LIP_FRAMES:
        frame = scene(width, height, [(astronaut, where, face_width, angle)])
        tracker = tracker_factory()
        [face] = tracker.update(frame)
        reference = dlib_reference.points(frame, where)
        assert reference is not None, "dlib found no face"
        inter_ocular = np.linalg.norm(reference[36:42].mean(0) - reference[42:48].mean(0))
        distance = np.linalg.norm(lips(face) - reference[48:68], axis=1) / inter_ocular
        errors.append(distance.mean())
        assert distance.mean() <= LIP_TOLERANCE, (face_width, angle, distance.round(3))
        # the named points are where they should be, not merely close on average
        for ours, theirs in ((0, 48), (3, 51), (6, 54), (9, 57)):
            assert distance[ours] <= 2 * LIP_TOLERANCE, (ours, theirs, distance.round(3))
    assert np.mean(errors) <= LIP_TOLERANCE


def test_layout_is_complete_and_named_points_are_in_place(astronaut, tracker_factory):
    frame = scene(640, 480, [(astronaut, (320.0, 240.0), 150.0, 0.0)])
    [face] = tracker_factory().update(frame)
    for group, count in LANDMARK_COUNTS.items():
        points = face.landmarks[group]
        assert points.shape == (count, 2) and points.dtype == np.float32, group
    outer, inner = face.landmarks["outer_lip"], face.landmarks["inner_lip"]
    assert outer[OUTER_LIP_LEFT_CORNER][0] < outer[OUTER_LIP_UPPER_MID][0]
    assert outer[OUTER_LIP_UPPER_MID][0] < outer[OUTER_LIP_RIGHT_CORNER][0]
    assert outer[OUTER_LIP_UPPER_MID][1] < inner[INNER_LIP_UPPER_MID][1] + 0.5
    assert inner[INNER_LIP_LOWER_MID][1] < outer[OUTER_LIP_LOWER_MID][1]
    assert face.landmarks["jaw"][8][1] > outer[OUTER_LIP_LOWER_MID][1]  # chin below the lips
    assert face.landmarks["left_eye"].mean(0)[0] < face.landmarks["right_eye"].mean(0)[0]
    x0, _y0, x1, y1 = face.box
    assert x0 < outer[:, 0].min() and outer[:, 0].max() < x1 and y1 > outer[:, 1].max()
    assert face.inter_ocular > 30 and 0.5 < face.confidence <= 1


def test_still_face_does_not_jitter(astronaut, tracker_factory):
    rng = np.random.default_rng(7)
    still = scene(640, 480, [(astronaut, (320.0, 240.0), 140.0, 0.0)])
    tracker = tracker_factory()
    points = []
    for _ in range(24):
        noisy = np.clip(still + rng.normal(0, 2.0, still.shape), 0, 255).astype(np.uint8)
        [face] = tracker.update(noisy)  # sensor-like noise, as in a real still shot
        points.append(lips(face))
    spread = np.stack(points).std(axis=0)  # (20, 2) per point and axis
    assert spread.max() <= JITTER_LIMIT, spread.round(3)


def test_lips_follow_motion_without_lag(astronaut, tracker_factory):
    tracker = tracker_factory()
    start = np.array([220.0, 240.0])
    step = np.array([6.0, 2.0])  # px per frame
    seen = []
    for k in range(12):
        where = start + k * step
        [face] = tracker.update(scene(640, 480, [(astronaut, tuple(where), 140.0, 0.0)]))
        seen.append(lips(face).mean(axis=0))
    moved = np.diff(np.stack(seen), axis=0)
    assert np.abs(moved - step).max() < 1.0, moved.round(2)


def test_two_moving_faces_keep_two_ids(astronaut, cameraman, tracker_factory):
    tracker = tracker_factory(detect_every=5)
    ids_by_side: dict[str, set[int]] = {"left": set(), "right": set()}
    for k in range(30):
        a = (300.0 + 4 * k, 300.0 + 2 * np.sin(k / 3) * 10)
        b = (980.0 - 5 * k, 380.0 - 2 * k)
        frame = scene(1280, 720, [(astronaut, a, 170.0, k * 0.5), (cameraman, b, 150.0, 0.0)])
        faces = tracker.update(frame)
        assert len(faces) == 2, (k, [f.box for f in faces])
        for face in faces:
            c = centre(face.box)
            side = "left" if np.linalg.norm(c - a) < np.linalg.norm(c - b) else "right"
            target = a if side == "left" else b
            assert np.linalg.norm(c - target) < 60, (k, side, c, target)
            ids_by_side[side].add(face.track_id)
    assert len(ids_by_side["left"]) == 1 and len(ids_by_side["right"]) == 1, ids_by_side
    assert ids_by_side["left"] != ids_by_side["right"]


def test_no_face_gives_nothing_quietly(astronaut, tracker_factory, caplog):
    caplog.set_level(logging.INFO, logger="lipsync")
    tracker = tracker_factory()
    assert tracker.update(background(640, 480)) == []
    assert tracker.update(np.zeros((480, 640, 3), np.uint8)) == []
    [_face] = tracker.update(scene(640, 480, [(astronaut, (320.0, 240.0), 140.0, 0.0)]))
    assert tracker.update(background(640, 480)) == []  # the face leaves: lost, no error
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []


def test_face_that_reenters_is_found_again(astronaut, tracker_factory):
    tracker = tracker_factory(detect_every=30)
    face_frame = scene(640, 480, [(astronaut, (320.0, 240.0), 140.0, 0.0)])
    [first] = tracker.update(face_frame)
    assert tracker.update(background(640, 480)) == []
    [again] = tracker.update(face_frame)
    assert np.allclose(centre(again.box), centre(first.box), atol=3)


def test_small_face_is_tracked(astronaut, tracker_factory):
    tracker = tracker_factory()
    for k in range(3):
        frame = scene(1280, 720, [(astronaut, (903.0 + 2 * k, 391.0), 60.0, 0.0)])
        [face] = tracker.update(frame)
        assert np.linalg.norm(centre(face.box) - [903 + 2 * k, 391]) < 12


def test_small_faces_are_searched_for_on_every_nth_detection_while_tracking(
    astronaut, cameraman, tracker_factory
):
    """While a face is followed, one detection pass in ``thorough_every`` tiles the frame for
    small faces; the others look for large faces only. A small face that enters is found by
    the next thorough pass, and a lost face makes the next pass thorough."""
    tracker = tracker_factory(detect_every=2, thorough_every=3)
    passes: list[bool] = []
    detect = tracker.backend.detect

    def spy(image, thorough=True):
        passes.append(thorough)
        return detect(image, thorough)

    tracker.backend.detect = spy
    one = scene(1280, 720, [(astronaut, (400.0, 360.0), 220.0, 0.0)])
    two = scene(1280, 720, [(astronaut, (400.0, 360.0), 220.0, 0.0),
                            (cameraman, (1000.0, 300.0), 70.0, 0.0)])  # fmt: skip
    assert len(tracker.update(one)) == 1  # no face yet: thorough
    counts = [len(tracker.update(two)) for _ in range(12)]
    assert passes[:7] == [True, False, False, True, False, False, True]
    first_thorough_with_two = 2 * 3  # frame of the second thorough pass after the first
    assert counts[first_thorough_with_two - 1] == 2  # the small face, found by tiling
    assert counts[0] == 1  # not by the quick passes before it
    assert tracker.update(background(1280, 720)) == []  # both lost
    tracker.update(two)
    assert passes[-1] is True
