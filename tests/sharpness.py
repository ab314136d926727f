"""The mouth's sharpness as ``bench/real_faces.py`` measures it, for the render tests: the
variance of the Laplacian of the grey mouth box (dlib's lip points 48-67 widened by
``MOUTH_PAD`` IOD)."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from lipsync.core.face import FaceTracker
from lipsync.core.render import AppearanceBuilder

MOUTH_PAD = 0.2  # IOD around dlib's lip points: the benchmark's mouth box


def frames_of(path: Path) -> list[np.ndarray]:
    """Every frame of the video at ``path`` as RGB ``uint8 (H, W, 3)``."""
    with av.open(str(path)) as c:
        return [np.ascontiguousarray(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


def iod(pts: np.ndarray) -> float:
    """Inter-ocular distance (px) of dlib's 68 points."""
    return float(np.linalg.norm(pts[36:42].mean(axis=0) - pts[42:48].mean(axis=0)))


def laplacian_variance(image: np.ndarray, box: tuple[slice, slice]) -> float:
    """Variance of the Laplacian of the grey ``box`` of ``image`` (RGB)."""
    grey = cv2.cvtColor(np.ascontiguousarray(image[box]), cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def mouth_box(pts: np.ndarray, shape: tuple[int, ...]) -> tuple[slice, slice]:
    """Rows and columns of the lip points' bounding box widened by ``MOUTH_PAD`` IOD."""
    pad = MOUTH_PAD * iod(pts)
    (x0, y0), (x1, y1) = pts[48:68].min(axis=0) - pad, pts[48:68].max(axis=0) + pad
    h, w = shape[:2]
    return slice(max(0, int(y0)), min(h, int(y1) + 1)), slice(max(0, int(x0)), min(w, int(x1) + 1))


def track_clip(frames: list[np.ndarray], judge) -> tuple[list, list, object]:
    """Our faces (None where none), dlib's points (None where none) and the track's
    appearance over ``frames``; ``judge``: a ``judge.DlibJudge``."""
    tracker, builder = FaceTracker(), AppearanceBuilder()
    faces, points = [], []
    for image in frames:
        found = tracker.update(image)
        faces.append(found[0] if found else None)
        points.append(judge.points(image))
        if found:
            builder.add(image, found[0])
    return faces, points, builder.build()
