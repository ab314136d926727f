"""Landmark backends, chosen by name, behind one small interface the tracker drives.

A backend finds faces (:meth:`LandmarkBackend.detect`, giving seed regions) and fits landmarks
inside a region (:meth:`LandmarkBackend.fit`, giving our layout plus the region to seed the
next frame with). Backends:

- ``onnx`` (default): MediaPipe's BlazeFace detectors and 468-point mesh, shipped as ONNX,
  run on onnxruntime; no downloads.
- ``mediapipe``: the ``mediapipe`` package's face mesh with refined lips, when installed.
- ``dlib``: dlib's HOG detector plus a 68-point shape model file the user gives. The usual
  model (``shape_predictor_68_face_landmarks.dat``, Debian's libdlib-data) is trained on data
  that excludes commercial use; lipsync never bundles or downloads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.face.imaging import Region

BACKENDS: tuple[str, ...] = ("onnx", "mediapipe", "dlib")
DEFAULT_BACKEND = "onnx"


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

    ``name``: one of :data:`BACKENDS`. ``detector``: "full" or "short" (``onnx`` only).
    ``min_face``: smallest face width in px searched for (``onnx``: by tiling; 0 = whole frame
    only). ``min_score``: detection threshold 0..1. ``dlib_model``: path of a 68-point dlib
    shape predictor (``dlib`` only). ``session``: a
    :class:`lipsync.core.models.SessionOptions` (device, threads), ``None`` = defaults.
    """

    name: str = DEFAULT_BACKEND
    detector: str = "full"
    min_face: int = 48
    min_score: float = 0.5
    dlib_model: Path | None = None
    session: Any = None


def create_backend(options: BackendOptions | None = None) -> LandmarkBackend:
    """Build the backend ``options.name``; :class:`InputError` for an unknown name or bad
    setting, :class:`~lipsync.core.errors.MissingDependencyError` when its package is
    missing."""
    opts = options or BackendOptions()
    if opts.name == "onnx":
        from lipsync.core.face.onnx_backend import OnnxBackend

        return OnnxBackend(opts)
    if opts.name == "mediapipe":
        from lipsync.core.face.mediapipe_backend import MediapipeBackend

        return MediapipeBackend(opts)
    if opts.name == "dlib":
        from lipsync.core.face.dlib_backend import DlibBackend

        return DlibBackend(opts)
    raise InputError(
        f"The face backend {opts.name!r} is not known: use one of {', '.join(BACKENDS)}."
    )


def box_of(landmarks: Mapping[str, np.ndarray]) -> tuple[float, float, float, float]:
    """The bounding box (x0, y0, x1, y1) of all landmark groups."""
    points = np.concatenate([np.asarray(v, dtype=np.float32) for v in landmarks.values()])
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)
