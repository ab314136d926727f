"""The default backend: shipped BlazeFace detectors + 468-point mesh on onnxruntime."""

from __future__ import annotations

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.face.detection import DetectorOptions, FaceDetector
from lipsync.core.face.imaging import Region
from lipsync.core.face.landmark_backend import BackendOptions, Fit, Seed
from lipsync.core.face.mesh import FaceMesh, region_from_detection, region_from_points

MIN_PRESENCE = 0.5  # mesh face-presence probability below which a fit is rejected


class OnnxBackend:
    """BlazeFace (full- or short-range, tiled for small faces) and the mesh, on onnxruntime."""

    name = "onnx"

    def __init__(self, options: BackendOptions) -> None:
        if options.detector not in ("full", "short"):
            raise InputError(
                f"The detector {options.detector!r} is not known: use 'full' or 'short'."
            )
        self._detector = FaceDetector(
            DetectorOptions(
                model=options.detector,  # type: ignore[arg-type]
                min_score=options.min_score,
                min_face=options.min_face,
            ),
            options.session,
        )
        self._mesh = FaceMesh(options.session)

    def detect(self, image: np.ndarray, thorough: bool = True) -> list[Seed]:
        found = self._detector.detect(image, thorough)
        return [Seed(region_from_detection(d), d.box, d.score) for d in found]

    def fit(self, image: np.ndarray, region: Region) -> Fit | None:
        result = self._mesh.run(image, region)
        if result.presence < MIN_PRESENCE:
            return None
        return Fit(result.layout(), result.presence, region_from_points(result.points))
