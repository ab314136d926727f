"""Head pose (yaw, pitch, roll in degrees) from the landmark layout, any backend.

A generic 3D face (six points: nose tip, chin, outer eye corners, mouth corners, in mm,
rounded adult averages) is fitted to the image points with ``cv2.solvePnP`` under a
pinhole camera whose focal length is the frame's longer side. Conventions (image y down):

- ``yaw`` > 0: the face turns towards the image right (its nose points right);
- ``pitch`` > 0: the face tilts down (chin towards the chest);
- ``roll`` > 0: the face tilts clockwise in the image (the image-right eye lower).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import cv2
import numpy as np

from lipsync.core.types import (
    JAW_CHIN,
    OUTER_LIP_LEFT_CORNER,
    OUTER_LIP_RIGHT_CORNER,
    Pose,
)

NOSE_TIP = 3  # index in the ``nose`` group

#: Generic face in camera axes (x right, y down, z away from the camera), mm, nose tip at 0.
MODEL_POINTS = np.array(
    [
        (0.0, 0.0, 0.0),  # nose tip
        (0.0, 72.0, 25.0),  # chin (gnathion)
        (-45.0, -35.0, 40.0),  # image-left eye, outer corner
        (45.0, -35.0, 40.0),  # image-right eye, outer corner
        (-25.0, 22.0, 30.0),  # image-left mouth corner
        (25.0, 22.0, 30.0),  # image-right mouth corner
    ],
    dtype=np.float64,
)


def pose_points(landmarks: Mapping[str, np.ndarray]) -> np.ndarray:
    """The six image points ``float64 (6, 2)`` matching :data:`MODEL_POINTS`."""
    return np.array(
        [
            landmarks["nose"][NOSE_TIP],
            landmarks["jaw"][JAW_CHIN],
            landmarks["left_eye"][0],
            landmarks["right_eye"][3],
            landmarks["outer_lip"][OUTER_LIP_LEFT_CORNER],
            landmarks["outer_lip"][OUTER_LIP_RIGHT_CORNER],
        ],
        dtype=np.float64,
    )


def camera_matrix(width: int, height: int) -> np.ndarray:
    """Pinhole camera ``(3, 3)``: focal length = the longer side in px, centre of the frame."""
    focal = float(max(width, height))
    return np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1]], dtype=np.float64)


def euler_from_matrix(rotation: np.ndarray) -> Pose:
    """(yaw, pitch, roll) in degrees of a model-to-camera rotation ``(3, 3)``, as
    R = Rz(roll) @ Ry(yaw) @ Rx(pitch) with the signs of the module docstring."""
    r = rotation
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, -r[2, 0]))))
    pitch = math.degrees(math.atan2(r[2, 1], r[2, 2]))
    roll = math.degrees(math.atan2(r[1, 0], r[0, 0]))
    return Pose(yaw=-yaw, pitch=pitch, roll=roll)


def estimate_pose(landmarks: Mapping[str, np.ndarray], width: int, height: int) -> Pose:
    """Head pose from the landmark groups of one face in a ``width`` x ``height`` frame."""
    image_points = pose_points(landmarks)
    camera = camera_matrix(width, height)
    # start from a frontal face at the distance its eye spacing implies
    eye_px = float(np.linalg.norm(image_points[3] - image_points[2]))
    depth = camera[0, 0] * 90.0 / max(eye_px, 1.0)
    centre = image_points[0]
    tvec = np.array(
        [[(centre[0] - camera[0, 2]) * depth / camera[0, 0]],
         [(centre[1] - camera[1, 2]) * depth / camera[1, 1]],
         [depth]]
    )  # fmt: skip
    rvec = np.zeros((3, 1))
    ok, rvec, tvec = cv2.solvePnP(
        MODEL_POINTS, image_points, camera, None, rvec, tvec, True, cv2.SOLVEPNP_ITERATIVE
    )
    if not ok:
        return Pose()
    rotation, _ = cv2.Rodrigues(rvec)
    return euler_from_matrix(rotation)
