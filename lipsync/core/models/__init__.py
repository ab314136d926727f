"""Model definitions and inference sessions: the only package that loads weights.

- :mod:`~lipsync.core.models.registry`: the one registry (name -> file, SHA-256, tensors).
- :mod:`~lipsync.core.models.sessions`: cached onnxruntime sessions (CPU by default, CUDA with
  ``lipsync[gpu]``), imported lazily so ``import lipsync`` does not import onnxruntime.

Shipped models (``data/``, converted by ``tools/convert_mediapipe_face.py``): ``blazeface_short``,
``blazeface_full`` and ``face_mesh``, MediaPipe's, Apache-2.0.
"""

from __future__ import annotations

from lipsync.core.models.registry import (
    DATA_DIR,
    ModelSpec,
    TensorSpec,
    file_sha256,
    get,
    names,
    register,
    verified_path,
)
from lipsync.core.models.sessions import (
    DEVICES,
    SessionOptions,
    available_providers,
    clear_sessions,
    load_session,
)

__all__ = [
    "DATA_DIR",
    "DEVICES",
    "ModelSpec",
    "SessionOptions",
    "TensorSpec",
    "available_providers",
    "clear_sessions",
    "file_sha256",
    "get",
    "load_session",
    "names",
    "register",
    "verified_path",
]
