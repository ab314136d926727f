"""Exporting a Wav2Lip checkpoint to ONNX, verified against torch (needs the ``torch`` extra).

The graph has inputs ``mel`` ``(B, 1, 80, 16)`` and ``face`` ``(B, 6, 96, 96)`` and the output
``output`` ``(B, 3, 96, 96)``, with a dynamic batch ``B``, at opset 17. The file is written
beside the destination and renamed only after onnxruntime has run it and its result matched
torch's on random input.
"""

from __future__ import annotations

import logging
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lipsync.core.errors import ProcessingError
from lipsync.core.media.atomic import atomic_output, check_output_path
from lipsync.core.models.wav2lip_session import IMG_SIZE, INPUTS, MEL_BANDS, MEL_STEP, OUTPUTS
from lipsync.core.optional import require

logger = logging.getLogger("lipsync")

OPSET = 17
VERIFY_BATCH = 3  # random samples compared between torch and onnxruntime
TOLERANCE = 1e-3  # largest accepted difference of the [0, 1] outputs


@dataclass(frozen=True)
class ExportReport:
    """What :func:`export_wav2lip` wrote: the file, its size (bytes), the model's parameter
    count, the largest difference between onnxruntime and torch on random input, seconds."""

    path: Path
    size: int
    parameters: int
    max_difference: float
    seconds: float


def random_inputs(batch: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random ``mel`` ``float32 (batch, 1, 80, 16)`` in [-4, 4] and ``face``
    ``float32 (batch, 6, 96, 96)`` in [0, 1] with the lower half of channels 0..2 zeroed."""
    rng = np.random.default_rng(seed)
    mel = rng.uniform(-4.0, 4.0, (batch, 1, MEL_BANDS, MEL_STEP)).astype(np.float32)
    face = rng.uniform(0.0, 1.0, (batch, 6, IMG_SIZE, IMG_SIZE)).astype(np.float32)
    face[:, :3, IMG_SIZE // 2 :] = 0.0
    return mel, face


def export_onnx(model, dest: Path) -> None:
    """Write ``model`` (a :class:`~.wav2lip.Wav2Lip` in eval mode) to ``dest`` as ONNX."""
    torch = require("torch", "torch", "exporting Wav2Lip to ONNX")
    require("onnx", "torch", "exporting Wav2Lip to ONNX")
    mel, face = random_inputs(1)
    names = [t.name for t in (*INPUTS, *OUTPUTS)]
    with warnings.catch_warnings():
        # torch.export's exporter (the default) needs onnxscript, which the `torch` extra does
        # not install; the TorchScript-based one handles this plain convolutional graph.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        with torch.no_grad():
            torch.onnx.export(
                model,
                (torch.from_numpy(mel), torch.from_numpy(face)),
                str(dest),
                dynamo=False,
                opset_version=OPSET,
                input_names=names[:2],
                output_names=names[2:],
                dynamic_axes={name: {0: "batch"} for name in names},
                do_constant_folding=True,
            )


def max_difference(model, onnx_path: Path, batch: int = VERIFY_BATCH, seed: int = 0) -> float:
    """Largest absolute difference between torch and onnxruntime (CPU) on random input."""
    torch = require("torch", "torch", "verifying a Wav2Lip export")
    from lipsync.core.models.sessions import onnxruntime

    ort = onnxruntime()  # telemetry off
    mel, face = random_inputs(batch, seed)
    with torch.no_grad():
        expected = model(torch.from_numpy(mel), torch.from_numpy(face)).numpy()
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    (got,) = session.run(["output"], {"mel": mel, "face": face})
    return float(np.abs(got - expected).max())


def export_wav2lip(checkpoint: str | Path, dest: str | Path) -> ExportReport:
    """Export the Wav2Lip checkpoint ``checkpoint`` (any format :func:`~.wav2lip.load_wav2lip`
    reads) to the ONNX file ``dest``, atomically, after checking it against torch."""
    from lipsync.core.models.wav2lip import load_wav2lip, parameter_count

    started = time.perf_counter()
    checkpoint, dest = Path(checkpoint), Path(dest)
    check_output_path(dest, [checkpoint])  # fail before the slow part
    model = load_wav2lip(checkpoint)
    with atomic_output(dest, [checkpoint]) as tmp:
        try:
            export_onnx(model, tmp)
        except Exception as e:  # torch.onnx raises many types; none is the user's input
            raise ProcessingError(
                f"Exporting '{checkpoint}' to ONNX failed ({type(e).__name__}: {e}): "
                "check the torch and onnx installation."
            ) from e
        diff = max_difference(model, tmp)
        if not diff <= TOLERANCE:
            raise ProcessingError(
                f"The ONNX export of '{checkpoint}' differs from torch by {diff:.3g} "
                f"(more than {TOLERANCE:g}): nothing was written; report this as a bug."
            )
        size = tmp.stat().st_size
    logger.debug("exported %s to %s (max difference %.3g)", checkpoint, dest, diff)
    return ExportReport(dest, size, parameter_count(model), diff, time.perf_counter() - started)
