"""An independent judge of lip-sync quality: dlib's 68-point model (not ours) measures the
mouth on rendered frames, to be compared with what the speech asks for."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DLIB_MODEL = Path("/usr/share/dlib/shape_predictor_68_face_landmarks.dat")


class DlibJudge:
    """Measures per frame the inner-lip aperture (points 62-66) over the inter-ocular distance,
    and the lower-face region (jaw line and nose base) of a face, with dlib alone."""

    def __init__(self) -> None:
        dlib = pytest.importorskip("dlib", reason="dlib is not installed: pip install dlib-bin")
        if not DLIB_MODEL.exists():  # pragma: no cover - make test installs it
            pytest.skip(f"{DLIB_MODEL} is missing: apt-get install libdlib-data")
        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(DLIB_MODEL))
        self._rect = None

    def points(self, image: np.ndarray) -> np.ndarray | None:
        """The 68 points ``float (68, 2)`` of the largest face in ``image`` (RGB), or None.
        dlib's detector runs on every frame, inside a window around the previous face when
        there is one (faster), else on the whole frame."""
        rect = self._detect(image)
        if rect is None:
            self._rect = None
            return None
        self._rect = rect
        shape = self._predictor(image, rect)
        return np.array([(p.x, p.y) for p in shape.parts()], np.float64)

    def _detect(self, image: np.ndarray):
        dlib = self._dlib
        h, w = image.shape[:2]
        if self._rect is not None:
            r = self._rect
            x0, y0 = max(0, r.left() - r.width()), max(0, r.top() - r.height())
            x1, y1 = min(w, r.right() + r.width()), min(h, r.bottom() + r.height())
            found = self._detector(np.ascontiguousarray(image[y0:y1, x0:x1]), 0)
            if found:
                best = max(found, key=lambda f: f.area())
                return dlib.rectangle(
                    best.left() + x0, best.top() + y0, best.right() + x0, best.bottom() + y0
                )
        found = self._detector(image, 0)
        return max(found, key=lambda f: f.area()) if found else None

    @staticmethod
    def aperture(pts: np.ndarray) -> float:
        iod = np.linalg.norm(pts[36:42].mean(axis=0) - pts[42:48].mean(axis=0))
        return float(np.linalg.norm(pts[66] - pts[62]) / iod)

    @staticmethod
    def lower_face_box(pts: np.ndarray, shape: tuple[int, ...]) -> tuple[slice, slice]:
        """Rows and columns of a generous box around the lower face: from the eyes' lower
        edge to below the chin, jaw side to jaw side, widened by a quarter of its width."""
        iod = np.linalg.norm(pts[36:42].mean(axis=0) - pts[42:48].mean(axis=0))
        top = pts[36:48, 1].max()
        bottom = pts[8, 1] + 0.35 * iod
        left, right = pts[0:17, 0].min(), pts[0:17, 0].max()
        pad = 0.25 * (right - left)
        h, w = shape[:2]
        return (
            slice(max(0, int(top)), min(h, int(bottom) + 1)),
            slice(max(0, int(left - pad)), min(w, int(right + pad) + 1)),
        )
