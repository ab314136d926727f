"""Exporting MuseTalk 1.5 to a folder of ONNX models, each verified against torch (needs the
``musetalk`` extra).

The folder holds four graphs (opset 17, any batch size) and what running them needs:

- ``whisper_encoder.onnx``: ``features (B, 80, 3000)`` -> ``states (B, 1500, L, D)``;
- ``vae_encoder.onnx``: ``image (B, 3, 256, 256)`` RGB in [-1, 1] -> ``latents (B, 4, 32, 32)``;
- ``unet.onnx``: ``latents (B, 8, 32, 32)``, ``audio (B, T, D)`` -> ``latents (B, 4, 32, 32)``
  (one step at timestep 0, MuseTalk's positional encoding added inside);
- ``vae_decoder.onnx``: ``latents (B, 4, 32, 32)`` -> ``image (B, 3, 256, 256)``;
- ``mel_filters.npy``: Whisper's mel filter bank ``float32 (201, 80)``;
- ``manifest.json``: format, versions, shapes, each file's SHA-256 and size, each graph's
  largest difference from torch on random input, and the SHA-256 of the files it came from.

Nothing is written under the destination until every graph has run in onnxruntime and matched
torch: the folder is assembled beside it and renamed into place.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lipsync.core.errors import InputError, OutputError, ProcessingError
from lipsync.core.media.atomic import rename_no_replace, same_file
from lipsync.core.models.musetalk_session import FORMAT, LICENCE, MANIFEST, PARTS
from lipsync.core.models.registry import file_sha256
from lipsync.core.optional import require

logger = logging.getLogger("lipsync")

OPSET = 17
VERIFY_BATCH = 2  # random samples compared between torch and onnxruntime
TOLERANCE = 1e-3  # largest accepted difference, relative to the output's largest value (>= 1)
EXTERNAL_OVER = 1 << 30  # bytes: larger graphs keep their weights in one file beside them
FP16_PARTS = ("vae_encoder", "unet", "vae_decoder")  # half-precision copies for CUDA
FP16_TOLERANCE = 5e-2  # largest accepted relative difference of a half-precision copy


@dataclass(frozen=True)
class PartReport:
    """One exported graph: name, file, bytes (with its weights file), largest difference."""

    name: str
    path: Path
    size: int
    max_difference: float


@dataclass(frozen=True)
class MuseTalkExportReport:
    """What :func:`export_musetalk` wrote: the folder, each part, seconds taken."""

    folder: Path
    parts: tuple[PartReport, ...]
    seconds: float

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)


def random_inputs(name: str, batch: int, layers: int, d_model: int, seed: int = 0):
    """Random inputs of the graph ``name`` (a tuple of ``float32`` arrays)."""
    rng = np.random.default_rng(seed)
    if name == "whisper_encoder":
        return (rng.uniform(-1.0, 1.5, (batch, 80, 3000)).astype(np.float32),)
    if name == "vae_encoder":
        return (rng.uniform(-1.0, 1.0, (batch, 3, 256, 256)).astype(np.float32),)
    if name == "unet":
        latents = rng.normal(0.0, 1.0, (batch, 8, 32, 32)).astype(np.float32)
        audio = rng.normal(0.0, 0.5, (batch, 10 * layers, d_model)).astype(np.float32)
        return latents, audio
    return (rng.normal(0.0, 1.0, (batch, 4, 32, 32)).astype(np.float32),)


def _modules(parts) -> dict[str, object]:
    from lipsync.core.models.musetalk import UNetStep, VaeDecode, VaeEncode, WhisperStates

    return {
        "whisper_encoder": WhisperStates(parts.encoder).eval(),
        "vae_encoder": VaeEncode(parts.vae, parts.scaling_factor).eval(),
        "unet": UNetStep(parts.unet, parts.d_model).eval(),
        "vae_decoder": VaeDecode(parts.vae, parts.scaling_factor).eval(),
    }


def _export_one(module, name: str, dest: Path, layers: int, d_model: int) -> list[Path]:
    """Write ``module`` to ``dest`` (and, when large, its weights to ``dest.data``)."""
    torch = require("torch", "musetalk", "exporting MuseTalk to ONNX")
    onnx = require("onnx", "musetalk", "exporting MuseTalk to ONNX")
    inputs, outputs = PARTS[name]
    args = tuple(torch.from_numpy(a) for a in random_inputs(name, 1, layers, d_model))
    scratch = dest.parent / f".{name}.export"
    scratch.mkdir()
    raw = scratch / dest.name
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python control flow
        with torch.no_grad():
            torch.onnx.export(
                module, args, str(raw), dynamo=False, opset_version=OPSET,
                input_names=list(inputs), output_names=list(outputs),
                dynamic_axes={n: {0: "batch"} for n in (*inputs, *outputs)},
                do_constant_folding=True,
            )  # fmt: skip
    produced = [p for p in scratch.iterdir() if p != raw]
    files = [dest]
    if produced or raw.stat().st_size > EXTERNAL_OVER:  # weights beside it: gather them
        model = onnx.load(str(raw), load_external_data=True)
        data = dest.with_name(dest.name + ".data")
        onnx.save_model(model, str(dest), save_as_external_data=True,
                        all_tensors_to_one_file=True, location=data.name)  # fmt: skip
        files.append(data)
    else:
        raw.replace(dest)
    shutil.rmtree(scratch)
    return files


def _save(model, dest: Path) -> list[Path]:
    """Write the ONNX ``model`` to ``dest`` (its weights to ``dest.data`` when large)."""
    onnx = require("onnx", "musetalk", "exporting MuseTalk to ONNX")
    if model.ByteSize() <= EXTERNAL_OVER:
        onnx.save_model(model, str(dest))
        return [dest]
    data = dest.with_name(dest.name + ".data")
    onnx.save_model(model, str(dest), save_as_external_data=True,
                    all_tensors_to_one_file=True, location=data.name)  # fmt: skip
    return [dest, data]


def _half(path: Path) -> list[Path]:
    """A half-precision copy of the graph at ``path`` beside it (``NAME.fp16.onnx``; inputs
    and outputs stay float32), made with onnxruntime's converter."""
    onnx = require("onnx", "musetalk", "exporting MuseTalk to ONNX")
    from onnxruntime.transformers.float16 import convert_float_to_float16

    model = onnx.load(str(path), load_external_data=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # values clamped to the float16 range
        half = convert_float_to_float16(model, keep_io_types=True)
    return _save(half, path.with_name(path.stem + ".fp16.onnx"))


def _difference(
    module, name: str, path: Path, layers: int, d_model: int
) -> tuple[float, dict[str, list[int]]]:
    """Largest relative difference torch - onnxruntime on random input, and the graph's
    tensor shapes as onnxruntime reports them (-1: symbolic)."""
    torch = require("torch", "musetalk", "verifying a MuseTalk export")
    from lipsync.core.models.sessions import onnxruntime

    ort = onnxruntime()
    arrays = random_inputs(name, VERIFY_BATCH, layers, d_model, seed=1)
    with torch.no_grad():
        expected = module(*(torch.from_numpy(a) for a in arrays)).numpy()
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inputs, outputs = PARTS[name]
    (got,) = session.run(list(outputs), dict(zip(inputs, arrays, strict=True)))
    shapes = {t.name: [d if isinstance(d, int) else -1 for d in t.shape]
              for t in (*session.get_inputs(), *session.get_outputs())}  # fmt: skip
    if got.shape != expected.shape:
        return float("inf"), shapes
    return float(np.abs(got - expected).max() / max(1.0, float(np.abs(expected).max()))), shapes


def _check_destination(dest: Path, sources: list[Path]) -> None:
    for src in sources:
        if src.exists() and dest.exists() and (same_file(dest, src) or src.parent == dest):
            raise OutputError(
                f"The output '{dest}' (-o) holds or is the input '{src}': give a new folder "
                "name (inputs are never overwritten)."
            )
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise OutputError(
            f"The output '{dest}' (-o) already exists: give a new folder name (the export "
            "never writes into an existing folder)."
        )
    parent = dest.parent if str(dest.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"The folder '{parent}' for -o does not exist or is not writable: create it or "
            "choose another place."
        )


def export_musetalk(
    unet: str | Path,
    unet_config: str | Path,
    vae: str | Path,
    whisper: str | Path,
    dest: str | Path,
    fp16: bool = True,
) -> MuseTalkExportReport:
    """Export MuseTalk 1.5 (the files its download script fetches) to the folder ``dest``.

    With ``fp16``, the VAE and UNet graphs also get half-precision copies (what a GPU runs),
    each checked against torch too; a copy that differs by more than
    :data:`FP16_TOLERANCE` is left out (the GPU then runs the float32 graph)."""
    from lipsync import __version__
    from lipsync.core.models.musetalk import diffusers, load_musetalk, torch, transformers

    started = time.perf_counter()
    dest = Path(dest)
    sources = [Path(unet), Path(unet_config), Path(vae), Path(whisper)]
    _check_destination(dest, sources)
    parts = load_musetalk(unet, unet_config, vae, whisper)
    work = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        reports, files = [], {}
        for name, module in _modules(parts).items():
            path = work / f"{name}.onnx"
            try:
                written = _export_one(module, name, path, parts.layers, parts.d_model)
            except Exception as e:  # torch.onnx raises many types; none is the user's input
                raise ProcessingError(
                    f"Exporting MuseTalk's {name} to ONNX failed ({type(e).__name__}: "
                    f"{str(e).strip()[:200]}): check the torch, diffusers and onnx installation."
                ) from e
            diff, shapes = _difference(module, name, path, parts.layers, parts.d_model)
            if not diff <= TOLERANCE:
                raise ProcessingError(
                    f"The ONNX export of MuseTalk's {name} differs from torch by {diff:.3g} "
                    f"(more than {TOLERANCE:g}): nothing was written; report this as a bug."
                )
            files[name] = {
                "files": {
                    p.name: {"sha256": file_sha256(p), "size": p.stat().st_size} for p in written
                },
                "inputs": list(PARTS[name][0]),
                "outputs": list(PARTS[name][1]),
                "shapes": shapes,
                "max_difference": diff,
            }
            if fp16 and name in FP16_PARTS:
                half = _half_entry(module, name, path, parts)
                files[name]["fp16"] = half
                written += [path.with_name(f) for f in half.get("files", {})]
            size = sum(p.stat().st_size for p in written)
            reports.append(PartReport(name, dest / path.name, size, diff))
            logger.debug("exported MuseTalk %s (difference %.3g)", name, diff)
        np.save(work / "mel_filters.npy", parts.mel_filters, allow_pickle=False)
        manifest = {
            "format": FORMAT,
            "model": "MuseTalk 1.5",
            "licence": LICENCE,
            "versions": {"lipsync": __version__, "torch": torch.__version__,
                         "diffusers": diffusers.__version__,
                         "transformers": transformers.__version__, "opset": OPSET},
            "audio": {"layers": parts.layers, "d_model": parts.d_model, "window_states": 10,
                      "mel_filters": {"file": "mel_filters.npy",
                                      "sha256": file_sha256(work / "mel_filters.npy")}},
            "vae": {"scaling_factor": parts.scaling_factor, "crop": 256, "latent": 32},
            "parts": files,
            "sources": {"unet": _digest(Path(unet)), "unet_config": _digest(Path(unet_config)),
                        "vae": str(Path(vae)), "whisper": str(Path(whisper))},
        }  # fmt: skip
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        try:
            if dest.exists():
                dest.rmdir()  # empty (checked); the rename below must not replace anything
            rename_no_replace(work, dest)
        except OSError as e:
            raise OutputError(
                f"The output folder '{dest}' (-o) could not be created ({e.strerror}): "
                "give a new folder name."
            ) from e
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return MuseTalkExportReport(dest, tuple(reports), time.perf_counter() - started)


def _half_entry(module, name: str, path: Path, parts) -> dict:
    """The manifest entry of ``name``'s half-precision copy (empty when it is left out)."""
    try:
        written = _half(path)
    except Exception as e:  # the converter raises many types
        logger.warning("no float16 copy of MuseTalk's %s (%s)", name, e)
        return {}
    diff, shapes = _difference(module, name, written[0], parts.layers, parts.d_model)
    if not diff <= FP16_TOLERANCE:
        logger.warning("float16 copy of MuseTalk's %s left out: it differs by %.3g", name, diff)
        for p in written:
            p.unlink()
        return {}
    return {
        "files": {p.name: {"sha256": file_sha256(p), "size": p.stat().st_size} for p in written},
        "shapes": shapes,
        "max_difference": diff,
    }


def _digest(path: Path) -> str:
    try:
        return file_sha256(path)
    except OSError as e:
        raise InputError(f"The file '{path}' cannot be read ({e.strerror}).") from e
