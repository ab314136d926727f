"""The one model registry: name -> file, SHA-256, input/output spec, licence.

Every weight file lipsync loads is registered here, with the checksum it must have; a file
that does not match is refused. Shipped models live in ``lipsync/core/models/data/``; models
the user supplies (for instance a Wav2Lip export) are registered at run time with
:func:`register` and a ``directory``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from lipsync.core.errors import InputError, ProcessingError

logger = logging.getLogger("lipsync")

#: Folder of the weight files shipped inside the package.
DATA_DIR = Path(__file__).resolve().parent / "data"

_HASH_BLOCK = 1 << 20  # bytes read at a time while hashing


@dataclass(frozen=True)
class TensorSpec:
    """One model input or output: its name in the graph, its shape (-1 = any), its dtype."""

    name: str
    shape: tuple[int, ...]
    dtype: str = "float32"


@dataclass(frozen=True)
class ModelSpec:
    """A registered model.

    ``sha256`` is the hex digest the file must have (empty: not checked, only for user files
    registered at run time). ``directory`` defaults to :data:`DATA_DIR`.
    """

    name: str
    filename: str
    sha256: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]
    description: str = ""
    licence: str = ""
    directory: Path | None = None

    @property
    def path(self) -> Path:
        return (self.directory or DATA_DIR) / self.filename


_MEDIAPIPE = "Apache-2.0, Copyright Google LLC (MediaPipe); see data/LICENSE-mediapipe.txt"

_REGISTRY: dict[str, ModelSpec] = {}
_VERIFIED: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> verified digest
_LOCK = threading.Lock()


def register(spec: ModelSpec, *, replace: bool = False) -> ModelSpec:
    """Add ``spec`` to the registry; a second spec under the same name needs ``replace``."""
    with _LOCK:
        if spec.name in _REGISTRY and not replace and _REGISTRY[spec.name] != spec:
            raise ValueError(f"a model named {spec.name!r} is already registered")
        _REGISTRY[spec.name] = spec
    return spec


def get(name: str) -> ModelSpec:
    """The spec registered under ``name``; :class:`InputError` naming the known ones if none."""
    try:
        return _REGISTRY[name]
    except KeyError as e:
        known = ", ".join(sorted(_REGISTRY))
        raise InputError(
            f"There is no model named {name!r}: use one of {known}, or register it first."
        ) from e


def names() -> tuple[str, ...]:
    """Names of all registered models, sorted."""
    return tuple(sorted(_REGISTRY))


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_HASH_BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def verified_path(spec: ModelSpec) -> Path:
    """The model file's path, after checking that it exists and has the registered SHA-256.

    The check runs once per file version (path, size, modification time) per process.
    """
    path = spec.path
    try:
        stat = path.stat()
    except OSError as e:
        raise ProcessingError(
            f"The model file for {spec.name!r} is missing at {path}: reinstall lipsync "
            "(or regenerate it with tools/convert_mediapipe_face.py)."
        ) from e
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if not spec.sha256 or _VERIFIED.get(key) == spec.sha256:
        return path
    actual = file_sha256(path)
    if actual != spec.sha256:
        raise ProcessingError(
            f"The model file {path} for {spec.name!r} has SHA-256 {actual}, expected "
            f"{spec.sha256}: the file is damaged or replaced, reinstall lipsync."
        )
    _VERIFIED[key] = actual
    logger.debug("verified %s (%s)", path, actual)
    return path


# --- Shipped models -----------------------------------------------------------------------------

BLAZEFACE_SHORT = register(
    ModelSpec(
        name="blazeface_short",
        filename="face_detection_short_range.onnx",
        sha256="8a306366d092fdf2374ea2b42c0fa1c22969c97752b2c4f63b39154f5ae100ea",
        inputs=(TensorSpec("input", (1, 128, 128, 3)),),
        outputs=(
            TensorSpec("regressors", (1, 896, 16)),
            TensorSpec("classificators", (1, 896, 1)),
        ),
        description="BlazeFace short-range face detector (faces filling much of the frame), "
        "RGB in [-1, 1], letterboxed to 128x128",
        licence=_MEDIAPIPE,
    )
)

BLAZEFACE_FULL = register(
    ModelSpec(
        name="blazeface_full",
        filename="face_detection_full_range.onnx",
        sha256="89302655bd2aa109867e2de524b15d36a0f5f57c66c769fac9ba5eb85faae0df",
        inputs=(TensorSpec("input", (1, 192, 192, 3)),),
        outputs=(
            TensorSpec("reshaped_regressor_face_4", (1, 2304, 16)),
            TensorSpec("reshaped_classifier_face_4", (1, 2304, 1)),
        ),
        description="BlazeFace full-range face detector (dense; small and distant faces), "
        "RGB in [-1, 1], letterboxed to 192x192",
        licence=_MEDIAPIPE,
    )
)

FACE_MESH = register(
    ModelSpec(
        name="face_mesh",
        filename="face_landmark.onnx",
        sha256="aab7e68573f3540fc83d477b3f986ba18377b6a711f14b0277890d601969fcd9",
        inputs=(TensorSpec("input_1", (1, 192, 192, 3)),),
        outputs=(
            TensorSpec("conv2d_21", (1, 1, 1, 1404)),
            TensorSpec("conv2d_31", (1, 1, 1, 1)),
        ),
        description="MediaPipe 468-point face mesh (no attention), RGB in [0, 1] on a 192x192 "
        "rotated face crop; outputs x, y, z per point in crop pixels and a face-presence logit",
        licence=_MEDIAPIPE,
    )
)
