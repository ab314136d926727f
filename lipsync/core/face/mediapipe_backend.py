"""Optional backend: the ``mediapipe`` package's face mesh with refined lips (attention model).

Needs ``pip install mediapipe`` with the legacy ``mediapipe.solutions.face_mesh`` API (its
wheels up to 0.10.21 carry the models). The mesh is fitted on the same rotated crops as the
default backend, found by the same shipped BlazeFace detector (full-range, tiled for small
faces), so detection, tracking, ids and the layout mapping are shared.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lipsync.core.errors import MissingDependencyError
from lipsync.core.face.detection import DetectorOptions, FaceDetector
from lipsync.core.face.imaging import Region, crop_region, to_image
from lipsync.core.face.landmark_backend import BackendOptions, Fit, Seed
from lipsync.core.face.layout import layout_from_mesh
from lipsync.core.face.mesh import MESH_POINTS, region_from_detection, region_from_points
from lipsync.core.optional import require

CROP = 256  # px, side of the upright crop handed to mediapipe


class MediapipeBackend:
    """``mediapipe.solutions.face_mesh`` (static-image mode) on rotated face crops."""

    name = "mediapipe"

    def __init__(self, options: BackendOptions) -> None:
        mp = require("mediapipe", "mediapipe", "the 'mediapipe' face backend")
        solutions = getattr(mp, "solutions", None)
        if solutions is None or not hasattr(solutions, "face_mesh"):
            raise MissingDependencyError(
                "The installed mediapipe has no solutions.face_mesh: install a version that "
                "has it with: pip install 'mediapipe==0.10.21'."
            )
        face_mesh: Any = solutions.face_mesh
        confidence = options.min_score
        self._detector = FaceDetector(
            DetectorOptions(
                model="short" if options.detector == "short" else "full",
                min_score=options.min_score,
                min_face=options.min_face,
            ),
            options.session,
        )
        self._single = face_mesh.FaceMesh(
            static_image_mode=True,
            max_num_faces=1,
            refine_landmarks=True,
            min_detection_confidence=confidence,
        )

    @staticmethod
    def _points(result: Any, width: int, height: int) -> list[np.ndarray]:
        faces = []
        for face in result.multi_face_landmarks or ():
            xy = np.array([(p.x * width, p.y * height) for p in face.landmark], dtype=np.float32)
            faces.append(xy[:MESH_POINTS])
        return faces

    def detect(self, image: np.ndarray, thorough: bool = True) -> list[Seed]:
        return [
            Seed(region_from_detection(d), d.box, d.score) for d in self._detector.detect(image)
        ]

    def fit(self, image: np.ndarray, region: Region) -> Fit | None:
        crop, matrix = crop_region(image, region, CROP)
        faces = self._points(self._single.process(crop), CROP, CROP)
        if not faces:
            return None
        xy = to_image(matrix, faces[0])
        return Fit(layout_from_mesh(xy), 1.0, region_from_points(xy))
