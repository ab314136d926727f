"""Head pose: exact on a projected generic head, and the right signs on real faces."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from face_media import scene

from lipsync.core.face.pose import MODEL_POINTS, camera_matrix, estimate_pose


def rotation(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Model-to-camera rotation for the documented signs (degrees)."""
    y, p, r = (math.radians(v) for v in (-yaw, pitch, roll))
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    rx = np.array([[1, 0, 0], [0, math.cos(p), -math.sin(p)], [0, math.sin(p), math.cos(p)]])
    rz = np.array([[math.cos(r), -math.sin(r), 0], [math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return rz @ ry @ rx


def landmarks_from(points: np.ndarray) -> dict[str, np.ndarray]:
    groups = {g: np.zeros((n, 2)) for g, n in (("jaw", 17), ("nose", 9), ("outer_lip", 12))}
    groups |= {"left_eye": np.zeros((6, 2)), "right_eye": np.zeros((6, 2))}
    groups["nose"][3], groups["jaw"][8] = points[0], points[1]
    groups["left_eye"][0], groups["right_eye"][3] = points[2], points[3]
    groups["outer_lip"][0], groups["outer_lip"][6] = points[4], points[5]
    return groups


@pytest.mark.parametrize("angles", [(0, 0, 0), (25, 0, 0), (0, -15, 0), (0, 0, 12), (-20, 10, 5)])
def test_recovers_the_pose_of_a_projected_head(angles):
    width, height = 1280, 720
    camera = camera_matrix(width, height)
    rvec, _ = cv2.Rodrigues(rotation(*angles))
    points, _ = cv2.projectPoints(MODEL_POINTS, rvec, np.array([40.0, -20.0, 700.0]), camera, None)
    pose = estimate_pose(landmarks_from(points.reshape(-1, 2)), width, height)
    assert (pose.yaw, pose.pitch, pose.roll) == pytest.approx(angles, abs=0.5)


def test_signs_on_a_real_face(astronaut, tracker_factory):
    def pose_of(frame):
        [face] = tracker_factory(smoothing=_no_smoothing()).update(frame)
        return face.pose

    upright = scene(640, 480, [(astronaut, (320.0, 240.0), 160.0, 0.0)])
    turned = scene(640, 480, [(astronaut, (320.0, 240.0), 160.0, 15.0)])
    mirrored = np.ascontiguousarray(upright[:, ::-1])
    base, rolled, flipped = pose_of(upright), pose_of(turned), pose_of(mirrored)
    assert abs(base.yaw) < 12 and abs(base.roll) < 8
    assert rolled.roll - base.roll == pytest.approx(15, abs=3)
    assert flipped.yaw == pytest.approx(-base.yaw, abs=3)
    assert flipped.roll == pytest.approx(-base.roll, abs=2)


def _no_smoothing():
    from lipsync.core.face import SmoothingOptions

    return SmoothingOptions(enabled=False)
