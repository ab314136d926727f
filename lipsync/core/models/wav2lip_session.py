"""Running a Wav2Lip ONNX export (from ``lipsync models export``) with onnxruntime.

The user's file is registered in the model registry under its SHA-256 (so a changed file is a
new model) and run through the shared session factory: CUDA when onnxruntime-gpu and a GPU
are present, the CPU otherwise. Everything that can be wrong with the file is an
:class:`InputError` naming ``--model`` and ``lipsync models export``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.models.registry import ModelSpec, TensorSpec, file_sha256, register
from lipsync.core.models.sessions import SessionOptions, load_session

logger = logging.getLogger("lipsync")

IMG_SIZE = 96  # px, the generator's face crop
MEL_BANDS = 80
MEL_STEP = 16  # mel frames per window
INPUTS = (
    TensorSpec("mel", (-1, 1, MEL_BANDS, MEL_STEP)),
    TensorSpec("face", (-1, 6, IMG_SIZE, IMG_SIZE)),
)
OUTPUTS = (TensorSpec("output", (-1, 3, IMG_SIZE, IMG_SIZE)),)
CPU_BATCH = 16  # frames per inference call on the CPU (larger batches gain little there)
CUDA_BATCH = 64  # frames per inference call on a GPU
LICENCE = (
    "Wav2Lip weights: the licence of the checkpoint they came from (the official ones are "
    "for research and non-commercial use)"
)

EXPORT_HINT = (
    "make one from a Wav2Lip checkpoint with `lipsync models export wav2lip CKPT -o wav2lip.onnx`"
)


def _looks_like_torch(path: Path) -> bool:
    with open(path, "rb") as f:
        head = f.read(2)
    return head == b"PK" or head[:1] == b"\x80"


def check_model_file(path: str | Path | None) -> Path:
    """``path`` as a Path after checking that it names an existing, readable file that is not
    a PyTorch checkpoint; :class:`InputError` otherwise."""
    if path is None:
        raise InputError(
            f"The wav2lip renderer needs a model: give --model wav2lip.onnx ({EXPORT_HINT})."
        )
    p = Path(path)
    if not p.exists():
        raise InputError(f"The --model file '{p}' does not exist: {EXPORT_HINT}.")
    if not p.is_file():
        raise InputError(f"The --model path '{p}' is not a file: {EXPORT_HINT}.")
    try:
        torch_file = _looks_like_torch(p)
    except OSError as e:
        raise InputError(f"The --model file '{p}' cannot be read ({e.strerror}).") from e
    if torch_file:
        raise InputError(
            f"The --model file '{p}' is a PyTorch checkpoint, not an ONNX model: convert it "
            f"with `lipsync models export wav2lip {p} -o wav2lip.onnx` and give that file."
        )
    return p


@dataclass(frozen=True)
class Wav2LipSession:
    """A loaded Wav2Lip ONNX model. ``provider``: the onnxruntime execution provider it runs
    on; ``batch_size``: frames per :meth:`run` call that suit it."""

    spec: ModelSpec
    session: Any
    provider: str
    batch_size: int

    def run(self, mel: np.ndarray, face: np.ndarray) -> np.ndarray:
        """``mel`` ``float32 (B, 1, 80, 16)``, ``face`` ``float32 (B, 6, 96, 96)`` (BGR in
        [0, 1], lower half of channels 0..2 zeroed) -> ``float32 (B, 3, 96, 96)`` BGR [0, 1]."""
        mel = np.ascontiguousarray(mel, dtype=np.float32)
        face = np.ascontiguousarray(face, dtype=np.float32)
        if mel.shape[1:] != (1, MEL_BANDS, MEL_STEP) or face.shape[1:] != (6, IMG_SIZE, IMG_SIZE):
            raise ValueError(f"bad Wav2Lip input shapes {mel.shape} and {face.shape}")
        if mel.shape[0] != face.shape[0]:
            raise ValueError(f"batch sizes differ: {mel.shape[0]} and {face.shape[0]}")
        try:
            (out,) = self.session.run(["output"], {"mel": mel, "face": face})
        except Exception as e:  # onnxruntime raises its own exception types
            raise ProcessingError(
                f"The Wav2Lip model '{self.spec.path}' failed to run ({e}): check the "
                "onnxruntime installation, or run on the CPU."
            ) from e
        return out


def open_wav2lip(path: str | Path | None, options: SessionOptions | None = None) -> Wav2LipSession:
    """The Wav2Lip ONNX model in ``path``, registered and loaded once per file version.

    ``options`` default to ``device="auto"``: CUDA when onnxruntime-gpu and a GPU are there.
    """
    p = check_model_file(path).resolve()
    digest = file_sha256(p)
    spec = register(
        ModelSpec(
            name=f"wav2lip-{digest[:12]}",
            filename=p.name,
            sha256=digest,
            inputs=INPUTS,
            outputs=OUTPUTS,
            description="Wav2Lip generator exported by `lipsync models export wav2lip`",
            licence=LICENCE,
            directory=p.parent,
        ),
        replace=True,
    )
    try:
        session = load_session(spec.name, options or SessionOptions(device="auto"))
    except ProcessingError as e:
        if e.__cause__ is None:  # it loaded, but its tensors are not the expected ones
            reason = "its inputs and outputs are not those of a Wav2Lip export"
        else:
            reason = "onnxruntime: " + str(e.__cause__).strip().splitlines()[0][:160]
        raise InputError(
            f"The --model file '{p}' is not a Wav2Lip ONNX model ({reason}): {EXPORT_HINT}."
        ) from e
    provider = session.get_providers()[0]
    batch = CUDA_BATCH if provider == "CUDAExecutionProvider" else CPU_BATCH
    logger.info("Wav2Lip model %s on %s, batches of %d", p.name, provider, batch)
    return Wav2LipSession(spec, session, provider, batch)
