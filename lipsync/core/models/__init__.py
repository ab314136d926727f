"""Model definitions and inference sessions: the only package that loads weights.

- :mod:`~lipsync.core.models.registry`: the one registry (name -> file, SHA-256, tensors).
- :mod:`~lipsync.core.models.sessions`: cached onnxruntime sessions (CPU by default, CUDA with
  ``lipsync-studio[gpu]``), imported lazily so ``import lipsync`` does not import onnxruntime.
- :mod:`~lipsync.core.models.wav2lip` (``torch`` extra): the Wav2Lip generator and its
  checkpoints; :mod:`~lipsync.core.models.wav2lip_export`: ONNX export;
  :mod:`~lipsync.core.models.wav2lip_audio`: its mel features;
  :mod:`~lipsync.core.models.wav2lip_session`: running an export. ``Wav2Lip``, ``load_wav2lip``
  and ``export_wav2lip`` are imported on first use, so this package never imports torch.

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
from lipsync.core.models.wav2lip_audio import mel_window, melspectrogram
from lipsync.core.models.wav2lip_session import Wav2LipSession, open_wav2lip

# name -> module of the exports that need torch, imported when first used
_TORCH_EXPORTS = {
    "Wav2Lip": "lipsync.core.models.wav2lip",
    "load_wav2lip": "lipsync.core.models.wav2lip",
    "export_wav2lip": "lipsync.core.models.wav2lip_export",
}


def __getattr__(name: str):
    if name in _TORCH_EXPORTS:
        import importlib

        return getattr(importlib.import_module(_TORCH_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DATA_DIR",
    "DEVICES",
    "ModelSpec",
    "SessionOptions",
    "TensorSpec",
    "Wav2Lip",
    "Wav2LipSession",
    "available_providers",
    "clear_sessions",
    "export_wav2lip",
    "file_sha256",
    "get",
    "load_session",
    "load_wav2lip",
    "mel_window",
    "melspectrogram",
    "names",
    "open_wav2lip",
    "register",
    "verified_path",
]
