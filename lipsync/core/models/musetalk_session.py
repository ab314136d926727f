"""Running a MuseTalk export (a folder from ``lipsync models export musetalk``) with
onnxruntime: CUDA when onnxruntime-gpu and a GPU are present (larger batches), the CPU
otherwise.

The folder's ``manifest.json`` names every file with its SHA-256; each is checked once per
file version before its graph is registered in the model registry and loaded through the
shared session factory. Anything wrong with the folder is an :class:`InputError` naming
``--model`` and the export command.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.models.registry import ModelSpec, TensorSpec, file_sha256, register
from lipsync.core.models.sessions import SessionOptions, available_providers, load_session

logger = logging.getLogger("lipsync")

FORMAT = "lipsync-musetalk/1"
MANIFEST = "manifest.json"
#: graph name -> (input names, output names)
PARTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "whisper_encoder": (("features",), ("states",)),
    "vae_encoder": (("image",), ("latents",)),
    "unet": (("latents", "audio"), ("output",)),
    "vae_decoder": (("latents",), ("image",)),
}
CPU_BATCH = 4  # faces per inference call on the CPU
CUDA_BATCH = 16  # faces per inference call on a GPU
EXPORT_HINT = (
    "make one with `lipsync models export musetalk --unet unet.pth --unet-config musetalk.json "
    "--vae sd-vae --whisper whisper -o musetalk`"
)
LICENCE = (
    "MuseTalk 1.5 (TMElyralab/MuseTalk): code MIT; its README: the trained models are "
    "available for any purpose, even commercially (the Hugging Face weights repository is "
    "tagged creativeml-openrail-m, whose use restrictions apply); sd-vae-ft-mse MIT; "
    "whisper-tiny Apache-2.0"
)

_VERIFIED: dict[tuple[str, int, int], str] = {}
_LOCK = threading.Lock()


def _fail(folder: Path, why: str) -> InputError:
    return InputError(f"The --model folder '{folder}' {why}: {EXPORT_HINT}.")


def read_manifest(folder: str | Path | None) -> tuple[Path, dict[str, Any]]:
    """The export folder and its manifest, checked for shape (not yet for checksums)."""
    if folder is None:
        raise InputError(
            f"The musetalk renderer needs a model: give --model FOLDER ({EXPORT_HINT})."
        )
    p = Path(folder)
    if not p.exists():
        raise _fail(p, "does not exist")
    if not p.is_dir():
        raise InputError(
            f"The --model path '{p}' is a file; the musetalk renderer takes the folder "
            f"written by the export: {EXPORT_HINT}."
        )
    try:
        manifest = json.loads((p / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise _fail(p, f"has no {MANIFEST}, so it is not a MuseTalk export") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise _fail(p, f"has an unreadable {MANIFEST}") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        got = manifest.get("format") if isinstance(manifest, dict) else None
        raise _fail(p, f"holds an export of format {got!r}, not {FORMAT!r}")
    try:
        for name in PARTS:
            if not manifest["parts"][name]["files"]:
                raise KeyError(name)
        int(manifest["audio"]["layers"])
        int(manifest["audio"]["d_model"])
        float(manifest["vae"]["scaling_factor"])
    except (KeyError, TypeError, ValueError) as e:
        raise _fail(p, f"has an incomplete {MANIFEST} (no {e})") from e
    return p.resolve(), manifest


def _verify(path: Path, sha256: str, folder: Path) -> None:
    """Check ``path`` against its manifest digest once per (path, size, mtime)."""
    try:
        stat = path.stat()
    except OSError as e:
        raise _fail(folder, f"lacks {path.name}") from e
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _LOCK:
        if _VERIFIED.get(key) == sha256:
            return
    if file_sha256(path) != sha256:
        raise _fail(folder, f"holds a {path.name} that differs from the one exported (its "
                            "SHA-256 does not match the manifest)")  # fmt: skip
    with _LOCK:
        _VERIFIED[key] = sha256


@dataclass(frozen=True)
class MuseTalkSession:
    """The four loaded graphs of one export. ``provider``: where they run; ``batch_size``:
    faces per call that suit it; ``layers``/``d_model``: the audio states' shape."""

    folder: Path
    sessions: dict[str, Any]
    mel_filters: np.ndarray
    layers: int
    d_model: int
    provider: str
    batch_size: int
    precision: str = "float32"  # of the VAE and UNet graphs: "float16" on a GPU when exported

    def _run(self, name: str, *arrays: np.ndarray) -> np.ndarray:
        inputs, outputs = PARTS[name]
        feed = {
            n: np.ascontiguousarray(a, dtype=np.float32)
            for n, a in zip(inputs, arrays, strict=True)
        }
        try:
            (out,) = self.sessions[name].run(list(outputs), feed)
        except Exception as e:  # onnxruntime raises its own exception types
            raise ProcessingError(
                f"MuseTalk's {name} in '{self.folder}' failed to run ({str(e)[:200]}): check "
                "the onnxruntime installation, or run on the CPU."
            ) from e
        return np.asarray(out, dtype=np.float32)

    def encode_audio(self, features: np.ndarray) -> np.ndarray:
        """Log-mel ``(B, 80, 3000)`` -> encoder states ``(B, 1500, L, D)``."""
        return self._run("whisper_encoder", features)

    def encode_image(self, image: np.ndarray) -> np.ndarray:
        """RGB ``(B, 3, 256, 256)`` in [-1, 1] -> latents ``(B, 4, 32, 32)``."""
        return self._run("vae_encoder", image)

    def unet(self, latents: np.ndarray, audio: np.ndarray) -> np.ndarray:
        """``(B, 8, 32, 32)`` masked + reference latents and ``(B, 10 L, D)`` audio tokens ->
        the predicted latents ``(B, 4, 32, 32)``."""
        return self._run("unet", latents, audio)

    def decode(self, latents: np.ndarray) -> np.ndarray:
        """Latents ``(B, 4, 32, 32)`` -> RGB ``(B, 3, 256, 256)``, about [-1, 1]."""
        return self._run("vae_decoder", latents)


def open_musetalk(
    folder: str | Path | None, options: SessionOptions | None = None, fp16: bool | None = None
) -> MuseTalkSession:
    """The MuseTalk export in ``folder``, checked against its manifest and loaded once per
    file version. ``options`` default to ``device="auto"`` (CUDA when present); ``fp16``:
    run the half-precision VAE and UNet copies (default: on CUDA, when the export has them)."""
    p, manifest = read_manifest(folder)
    options = options or SessionOptions(device="auto")
    if fp16 is None:
        fp16 = options.device != "cpu" and "CUDAExecutionProvider" in available_providers()
    audio = manifest["audio"]
    filters_entry = audio.get("mel_filters") or {}
    filters_path = p / str(filters_entry.get("file", "mel_filters.npy"))
    _verify(filters_path, str(filters_entry.get("sha256", "")), p)
    try:
        filters = np.load(filters_path, allow_pickle=False).astype(np.float32)
    except (OSError, ValueError) as e:
        raise _fail(p, f"has an unreadable {filters_path.name}") from e
    sessions: dict[str, Any] = {}
    halves = 0
    for name, (inputs, outputs) in PARTS.items():
        entry = manifest["parts"][name]
        half = entry.get("fp16") if fp16 else None
        graph = f"{name}.onnx"
        if isinstance(half, dict) and half.get("files"):
            entry, graph, halves = half, f"{name}.fp16.onnx", halves + 1
        for filename, info in entry["files"].items():
            _verify(p / filename, str(info.get("sha256", "")), p)
        try:
            digest = entry["files"][graph]["sha256"]
        except (KeyError, TypeError) as e:
            raise _fail(p, f"has a {MANIFEST} that does not list {graph}") from e
        spec = register(
            ModelSpec(
                name=f"musetalk-{name}-{digest[:12]}",
                filename=graph,
                sha256="",  # checked above against the manifest
                inputs=tuple(TensorSpec(n, _shape(entry, n)) for n in inputs),
                outputs=tuple(TensorSpec(n, _shape(entry, n)) for n in outputs),
                description=f"MuseTalk 1.5 {name} exported by `lipsync models export musetalk`",
                licence=LICENCE,
                directory=p,
            ),
            replace=True,
        )
        try:
            sessions[name] = load_session(spec.name, options)
        except ProcessingError as e:
            raise _fail(p, f"holds a {graph} onnxruntime cannot use ({str(e)[:160]})") from e
    provider = sessions["unet"].get_providers()[0]
    batch = CUDA_BATCH if provider == "CUDAExecutionProvider" else CPU_BATCH
    logger.info("MuseTalk model %s on %s (%s), batches of %d", p.name, provider,
                "float16" if halves else "float32", batch)  # fmt: skip
    precision = "float16" if halves else "float32"
    return MuseTalkSession(p, sessions, filters, int(audio["layers"]), int(audio["d_model"]),
                           provider, batch, precision)  # fmt: skip


def _shape(entry: dict[str, Any], tensor: str) -> tuple[int, ...]:
    """One tensor's shape as the export recorded it (-1: the batch, or symbolic)."""
    try:
        return tuple(int(d) for d in entry["shapes"][tensor])
    except (KeyError, TypeError, ValueError):
        return ()
