"""Test media for the renderer: NASA's astronaut portrait (public domain, from scikit-image)
placed in frames, landmarks from the face package's default tracker, and an independent
measure of the mouth with dlib's 68-point model (Debian's libdlib-data)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from lipsync.core.render.normalise import inner_gaps
from lipsync.core.types import MOUTH_PARAMS, FaceObservation

DLIB_MODEL = Path("/usr/share/dlib/shape_predictor_68_face_landmarks.dat")
FACE_CENTRE = (222.0, 125.0)  # px in the 512x512 astronaut image: the face's centre


def astronaut_frame(
    width: int = 1280,
    height: int = 720,
    scale: float = 2.5,
    centre: tuple[float, float] | None = None,
) -> np.ndarray:
    """RGB ``uint8 (height, width, 3)``: the astronaut scaled by ``scale`` with her face centred
    at ``centre`` (px; default the frame centre), on a grey background."""
    from skimage.data import astronaut

    cx, cy = centre if centre is not None else (width / 2, height / 2)
    m = np.array(
        [[scale, 0, cx - FACE_CENTRE[0] * scale], [0, scale, cy - FACE_CENTRE[1] * scale]],
        dtype=np.float64,
    )
    return cv2.warpAffine(
        astronaut(), m, (width, height), flags=cv2.INTER_CUBIC, borderValue=(60, 60, 60)
    )


def target(**values: float) -> np.ndarray:
    """``float32 (6,)`` mouth target from keyword values (the rest 0)."""
    unknown = set(values) - set(MOUTH_PARAMS)
    assert not unknown, unknown
    return np.array([values.get(name, 0.0) for name in MOUTH_PARAMS], dtype=np.float32)


def track_face(image: np.ndarray) -> FaceObservation:
    """The largest face the face package's default tracker finds in ``image``."""
    from lipsync.core.face import FaceTracker, TrackerOptions

    faces = FaceTracker(TrackerOptions()).update(image)
    assert faces, "the face tracker found no face"
    return max(faces, key=lambda f: f.width)


def with_landmarks(face: FaceObservation, **groups: np.ndarray) -> FaceObservation:
    """``face`` with some landmark groups replaced (image px)."""
    landmarks = dict(face.landmarks)
    landmarks.update({k: np.asarray(v, dtype=np.float32) for k, v in groups.items()})
    return FaceObservation(face.box, landmarks, face.pose, face.confidence, face.track_id)


def shifted(face: FaceObservation, dx: float, dy: float) -> FaceObservation:
    """``face`` moved by (dx, dy) px."""
    d = np.array([dx, dy], dtype=np.float32)
    box = (face.box[0] + dx, face.box[1] + dy, face.box[2] + dx, face.box[3] + dy)
    landmarks = {k: np.asarray(v, np.float32) + d for k, v in face.landmarks.items()}
    return FaceObservation(box, landmarks, face.pose, face.confidence, face.track_id)


@dataclass(frozen=True)
class MouthMeasure:
    """dlib's view of a mouth: inner-lip gap and corner-to-corner width, both in IO units."""

    gap: float
    width: float


class DlibMouth:
    """Measures the mouth with dlib's 68-point shape model inside a fixed face rectangle."""

    def __init__(self, reference: np.ndarray) -> None:
        import dlib

        self._dlib = dlib
        self._predictor = dlib.shape_predictor(str(DLIB_MODEL))
        rects = dlib.get_frontal_face_detector()(reference, 0)
        assert len(rects), "dlib found no face in the reference frame"
        self.rect = max(rects, key=lambda r: r.width())

    def points(self, image: np.ndarray) -> np.ndarray:
        shape = self._predictor(image, self.rect)
        return np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32)

    def __call__(self, image: np.ndarray) -> MouthMeasure:
        p = self.points(image)
        io = float(np.linalg.norm(p[36:42].mean(axis=0) - p[42:48].mean(axis=0)))
        gap = float(inner_gaps(p[60:68]).mean()) / io
        width = float(np.linalg.norm(p[54] - p[48])) / io
        return MouthMeasure(gap, width)


def lower_face_region(face: FaceObservation, shape: tuple[int, int], margin: float) -> np.ndarray:
    """``bool (H, W)``: the lower face (jaw line closed under the nose base) grown by
    ``margin`` IO; everything the renderer may touch lies inside."""
    io = face.inter_ocular
    jaw = np.asarray(face.landmarks["jaw"], np.float32)
    nose = np.asarray(face.landmarks["nose"], np.float32)[4:]
    polygon = np.vstack([jaw, nose[::-1]]).astype(np.int32)
    region = np.zeros(shape, np.uint8)
    cv2.fillPoly(region, [polygon], 1)
    k = int(2 * margin * io) | 1
    region = cv2.dilate(region, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    return region.astype(bool)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB of two uint8 arrays (inf when equal)."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)
