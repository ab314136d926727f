"""Optional backend: dlib's HOG face detector and a 68-point shape model the user gives.

The 68 points map directly onto our layout (the eyebrows, 17..26, are dropped). The common
model file, ``shape_predictor_68_face_landmarks.dat`` (Debian: libdlib-data, in
/usr/share/dlib/), was trained on the iBUG 300-W data, whose licence excludes commercial use:
lipsync never ships or downloads it; the user passes its path.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.face.imaging import Region, check_frame
from lipsync.core.face.landmark_backend import BackendOptions, Fit, Seed
from lipsync.core.optional import require

#: Slices of dlib's 68 points for each of our groups.
DLIB_GROUPS: dict[str, slice] = {
    "outer_lip": slice(48, 60),
    "inner_lip": slice(60, 68),
    "jaw": slice(0, 17),
    "nose": slice(27, 36),
    "left_eye": slice(36, 42),
    "right_eye": slice(42, 48),
}
DLIB_POINTS = 68
UPSAMPLE = 1  # dlib detector upsampling passes (finds faces down to ~40 px)
REGION_SCALE = 1.0  # dlib boxes are about as large as the landmarks' box
VERIFY_WINDOW = 2.0  # the window searched around the previous face, in face sizes
VERIFY_FACE_PX = 120  # px; the window is scaled so the face is about this big (speed)


class DlibBackend:
    """dlib's frontal face detector + shape predictor (68 points)."""

    name = "dlib"

    def __init__(self, options: BackendOptions) -> None:
        self._dlib = require("dlib", "dlib", "the 'dlib' face backend")
        path = options.dlib_model
        if path is None:
            raise InputError(
                "The 'dlib' face backend needs a 68-point shape model: pass its path "
                "(e.g. --dlib-model /usr/share/dlib/shape_predictor_68_face_landmarks.dat "
                "from Debian's libdlib-data)."
            )
        path = Path(path)
        if not path.is_file():
            raise InputError(
                f"The dlib shape model {path} does not exist: install libdlib-data or give "
                "the path of shape_predictor_68_face_landmarks.dat."
            )
        try:
            self._predictor = self._dlib.shape_predictor(str(path))
        except RuntimeError as e:
            raise InputError(
                f"The file {path} is not a dlib shape model ({e}): give the path of "
                "shape_predictor_68_face_landmarks.dat."
            ) from e
        self._detector = self._dlib.get_frontal_face_detector()
        self._min_score = options.min_score

    def detect(self, image: np.ndarray, thorough: bool = True) -> list[Seed]:
        check_frame(image)
        rects, scores, _ = self._detector.run(image, UPSAMPLE, 0.0)
        seeds = []
        for rect, score in sorted(zip(rects, scores, strict=True), key=lambda rs: -rs[1]):
            box = (float(rect.left()), float(rect.top()), float(rect.right()), float(rect.bottom()))
            size = max(box[2] - box[0], box[3] - box[1])
            region = Region((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, size)
            # HOG scores are margins (0 = on the boundary); map to 0..1 for the tracker
            seeds.append(Seed(region, box, float(1.0 / (1.0 + np.exp(-score)))))
        return seeds

    def fit(self, image: np.ndarray, region: Region) -> Fit | None:
        """Re-detect the face in a window around ``region`` (dlib's shape model has no
        face/no-face output), then fit the 68 points in the detected box."""
        height, width = image.shape[:2]
        half = region.size * VERIFY_WINDOW / 2
        x0, y0 = max(0, round(region.cx - half)), max(0, round(region.cy - half))
        x1, y1 = min(width, round(region.cx + half)), min(height, round(region.cy + half))
        if x1 - x0 < 8 or y1 - y0 < 8:
            return None
        scale = min(1.0, VERIFY_FACE_PX / max(region.size, 1.0))
        window = np.ascontiguousarray(image[y0:y1, x0:x1])
        if scale < 1.0:
            window = cv2.resize(window, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        rects, scores, _ = self._detector.run(window, 0 if scale < 1.0 else UPSAMPLE, 0.0)
        if not len(rects):
            return None
        best = int(np.argmax(scores))
        r = rects[best]
        rect = self._dlib.rectangle(
            round(r.left() / scale) + x0, round(r.top() / scale) + y0,
            round(r.right() / scale) + x0, round(r.bottom() / scale) + y0,
        )  # fmt: skip
        shape = self._predictor(image, rect)
        points = np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32)
        if points.shape != (DLIB_POINTS, 2):
            return None
        landmarks = {g: np.ascontiguousarray(points[s]) for g, s in DLIB_GROUPS.items()}
        confidence = float(1.0 / (1.0 + np.exp(-scores[best])))
        return Fit(landmarks, confidence, _region_from_points(points))


def _region_from_points(points: np.ndarray) -> Region:
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    size = float(max(x1 - x0, y1 - y0)) * REGION_SCALE
    return Region(float(x0 + x1) / 2, float(y0 + y1) / 2, size)
