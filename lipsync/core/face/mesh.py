"""The MediaPipe 468-point face mesh on onnxruntime, and its mapping onto our 68-point layout.

The model sees an upright 192x192 crop of a face :class:`~lipsync.core.face.imaging.Region`
(from a detection or from the previous frame's mesh) and returns 468 (x, y, z) points in crop
pixels plus a face-presence logit; :mod:`lipsync.core.face.layout` maps those onto our layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lipsync.core.face.detection import KEYPOINT_LEFT_EYE, KEYPOINT_RIGHT_EYE, Detection
from lipsync.core.face.imaging import Region, crop_region, to_image
from lipsync.core.face.layout import layout_from_mesh

MESH_INPUT = 192  # px, square model input
MESH_POINTS = 468
ROI_SCALE = 1.5  # the crop is this many times the face box (MediaPipe's RectTransformation)
MESH_RIGHT_EYE_OUTER = 33  # subject's right eye, outer corner (image left on a frontal face)
MESH_LEFT_EYE_OUTER = 263
INPUT_SCALE = np.float32(1.0 / 255.0)  # uint8 -> the model's 0..1 input
LOGIT_CLIP = 80.0  # the presence logit is clipped to +-this before the sigmoid


@dataclass(frozen=True, eq=False)
class MeshResult:
    """One run of the mesh model: ``points`` ``float32 (468, 3)`` (x, y image px; z depth in
    the same px scale, smaller = nearer), ``presence`` 0..1, the ``region`` it was run on."""

    points: np.ndarray
    presence: float
    region: Region

    def layout(self) -> dict[str, np.ndarray]:
        """Our landmark groups, each ``float32 (K, 2)`` image px."""
        return layout_from_mesh(self.points)


def region_from_detection(detection: Detection, scale: float = ROI_SCALE) -> Region:
    """The crop region for a detection: its box centre, ``scale`` times its longer side, turned
    so that the eye keypoints lie level."""
    x0, y0, x1, y1 = detection.box
    right, left = detection.keypoints[KEYPOINT_RIGHT_EYE], detection.keypoints[KEYPOINT_LEFT_EYE]
    angle = math.atan2(float(left[1] - right[1]), float(left[0] - right[0]))
    size = max(x1 - x0, y1 - y0) * scale
    return Region((x0 + x1) / 2, (y0 + y1) / 2, size, angle)


def region_from_points(points: np.ndarray, scale: float = ROI_SCALE) -> Region:
    """The crop region for a mesh ``(468, >=2)``: the points' box in the frame turned level
    with the outer eye corners, ``scale`` times its longer side."""
    xy = points[:, :2].astype(np.float64)
    right, left = xy[MESH_RIGHT_EYE_OUTER], xy[MESH_LEFT_EYE_OUTER]
    angle = math.atan2(left[1] - right[1], left[0] - right[0])
    c, s = math.cos(angle), math.sin(angle)
    centre = xy.mean(axis=0)
    local = (xy - centre) @ np.array([[c, -s], [s, c]])  # into the face-aligned frame
    lo, hi = local.min(axis=0), local.max(axis=0)
    mid_local = (lo + hi) / 2
    mid = centre + mid_local @ np.array([[c, s], [-s, c]])
    size = float(max(hi - lo)) * scale
    return Region(float(mid[0]), float(mid[1]), size, angle)


class FaceMesh:
    """Runs the shipped ``face_mesh`` model on face regions of RGB ``uint8 (H, W, 3)`` frames."""

    def __init__(self, session_options: Any = None) -> None:
        from lipsync.core.models import load_session

        self._session = load_session("face_mesh", session_options)
        self._input_name = self._session.get_inputs()[0].name
        # the model's input, refilled by each run (onnxruntime reads it during the run only;
        # one FaceMesh serves one tracker, which runs in one thread at a time)
        self._crop = np.empty((MESH_INPUT, MESH_INPUT, 3), dtype=np.uint8)
        self._tensor = np.empty((1, MESH_INPUT, MESH_INPUT, 3), dtype=np.float32)

    def run(self, image: np.ndarray, region: Region) -> MeshResult:
        """The mesh of the face in ``region`` of ``image``."""
        crop, matrix = crop_region(image, region, MESH_INPUT, self._crop)
        # crop / 255 in float32, as crop.astype(np.float32) * (1.0 / 255.0) gives it
        np.multiply(crop, INPUT_SCALE, out=self._tensor[0])
        raw, logit = self._session.run(None, {self._input_name: self._tensor})
        mesh = raw.reshape(MESH_POINTS, 3)
        points = np.empty((MESH_POINTS, 3), dtype=np.float32)
        points[:, :2] = to_image(matrix, mesh[:, :2])
        points[:, 2] = mesh[:, 2] * (region.size / MESH_INPUT)
        logit_value = min(max(float(logit.reshape(-1)[0]), -LOGIT_CLIP), LOGIT_CLIP)
        presence = 1.0 / (1.0 + math.exp(-logit_value))
        return MeshResult(points, presence, region)
