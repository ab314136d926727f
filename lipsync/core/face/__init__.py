"""Face tracking: detectors, landmark backends, tracking with stable ids, pose, preview.

Arrays in, arrays out: frames are RGB ``uint8 (H, W, 3)``; results are
:class:`lipsync.core.types.FaceObservation` objects with landmarks in the documented 68-point
layout (image px). Typical use::

    from lipsync.core.face import FaceTracker, TrackerOptions

    tracker = FaceTracker(TrackerOptions(fps=25.0))
    for image in frames:
        faces = tracker.update(image)  # [] when there is no face

Backends by name (:func:`backend_names`; :func:`register_backend` adds one): ``onnx``
(default, shipped MediaPipe models on onnxruntime), ``mediapipe`` (the package, if installed),
``dlib`` (with a user-given model).
"""

from __future__ import annotations

from lipsync.core.face.backend import (
    BACKENDS,
    DEFAULT_BACKEND,
    BackendOptions,
    Fit,
    LandmarkBackend,
    Seed,
    backend_names,
    create_backend,
    register_backend,
)
from lipsync.core.face.detection import Detection, DetectorOptions, FaceDetector
from lipsync.core.face.imaging import Region
from lipsync.core.face.pose import estimate_pose
from lipsync.core.face.preview import draw_faces
from lipsync.core.face.smoothing import SmoothingOptions
from lipsync.core.face.tracker import FaceTracker, TrackerOptions
from lipsync.core.face.tracks import FrameFaces, TracksHeader, TracksWriter, dumps, loads
from lipsync.core.face.video import VideoTracking, track_video

__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "BackendOptions",
    "Detection",
    "DetectorOptions",
    "FaceDetector",
    "FaceTracker",
    "Fit",
    "FrameFaces",
    "LandmarkBackend",
    "Region",
    "Seed",
    "SmoothingOptions",
    "TrackerOptions",
    "TracksHeader",
    "TracksWriter",
    "VideoTracking",
    "backend_names",
    "create_backend",
    "draw_faces",
    "dumps",
    "estimate_pose",
    "loads",
    "register_backend",
    "track_video",
]
