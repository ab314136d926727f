"""What a landmark backend is: the interface the tracker drives and the values it passes.

A backend finds faces (:meth:`LandmarkBackend.detect`, giving seed regions) and fits landmarks
inside a region (:meth:`LandmarkBackend.fit`, giving our layout plus the region to seed the
next frame with). The backends themselves are chosen by name in :mod:`.backend`; they import
this module, never that one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from lipsync.core.constants import DEFAULT_FACE_BACKEND
from lipsync.core.face.imaging import Region

DEFAULT_BACKEND = DEFAULT_FACE_BACKEND


@dataclass(frozen=True, eq=False)
class Seed:
    """A face found by a detector: where to fit landmarks (``region``), its ``box``
    (x0, y0, x1, y1) image px and detection ``score`` 0..1."""

    region: Region
    box: tuple[float, float, float, float]
    score: float


@dataclass(frozen=True, eq=False)
class Fit:
    """Landmarks fitted in a region: our ``landmarks`` groups (``float32 (K, 2)`` image px),
    ``confidence`` 0..1 that a face is there, and the ``region`` for the next frame."""

    landmarks: Mapping[str, np.ndarray]
    confidence: float
    region: Region


class LandmarkBackend(Protocol):
    """What the tracker needs from a backend."""

    name: str

    def detect(self, image: np.ndarray, thorough: bool = True) -> list[Seed]:
        """Faces in an RGB ``uint8 (H, W, 3)`` frame, best first. ``thorough=False`` may skip
        the slow search for small faces (the tracker asks for it while it follows faces)."""
        ...

    def fit(self, image: np.ndarray, region: Region) -> Fit | None:
        """Landmarks of the face in ``region``; ``None`` when there is no face."""
        ...


@dataclass(frozen=True)
class BackendOptions:
    """Backend choice and its settings.

    ``name``: a backend name (:func:`~.backend.backend_names`). ``detector``: "full" or
    "short" (``onnx`` only). ``min_face``: smallest face width in px searched for (``onnx``: by
    tiling; 0 = whole frame only). ``min_score``: detection threshold 0..1. ``dlib_model``:
    path of a 68-point dlib shape predictor (``dlib`` only). ``session``: a
    :class:`lipsync.core.models.SessionOptions` (device, threads), ``None`` = defaults.
    """

    name: str = DEFAULT_BACKEND
    detector: str = "full"
    min_face: int = 48
    min_score: float = 0.5
    dlib_model: Path | None = None
    session: Any = None


def box_of(landmarks: Mapping[str, np.ndarray]) -> tuple[float, float, float, float]:
    """The bounding box (x0, y0, x1, y1) of all landmark groups."""
    points = np.concatenate([np.asarray(v, dtype=np.float32) for v in landmarks.values()])
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)
