"""Cached onnxruntime sessions for registered models (the only place onnxruntime is imported).

``import lipsync`` never imports onnxruntime: it is imported on the first :func:`load_session`.
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from typing import Any, Literal

from lipsync.core.errors import InputError, MissingDependencyError, ProcessingError
from lipsync.core.models.registry import ModelSpec, get, verified_path
from lipsync.core.optional import require

logger = logging.getLogger("lipsync")

Device = Literal["cpu", "cuda", "auto"]
DEVICES: tuple[str, ...] = ("cpu", "cuda", "auto")

_CPU = "CPUExecutionProvider"
_CUDA = "CUDAExecutionProvider"


@dataclass(frozen=True)
class SessionOptions:
    """How to run a model.

    ``device``: ``"cpu"`` (default), ``"cuda"`` (needs ``lipsync-studio[gpu]``, i.e.
    onnxruntime-gpu, and fails if CUDA is unavailable) or ``"auto"`` (CUDA when available,
    else CPU).
    ``threads``: intra-op threads, 0 = onnxruntime's default (all cores), 1 = single-threaded
    (benchmarks, or many processes side by side).
    """

    device: Device = "cpu"
    threads: int = 0

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise InputError(
                f"The device {self.device!r} is not known: use one of {', '.join(DEVICES)}."
            )
        if self.threads < 0:
            raise InputError(f"The thread count {self.threads} is negative: use 0 (auto) or more.")


def onnxruntime() -> Any:
    """The ``onnxruntime`` module, imported with its telemetry off: offline means offline, and
    by default it writes a device id and an event queue under ``~/.cache/Microsoft`` as soon as
    it is imported (``ORT_DISABLE_TELEMETRY`` must be set before that import)."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    ort = require("onnxruntime", "onnxruntime", "running the ONNX models")
    disable = getattr(ort, "disable_telemetry_events", None)
    if disable is not None:
        disable()
    return ort


_onnxruntime = onnxruntime


def available_providers() -> tuple[str, ...]:
    """onnxruntime's execution providers usable in this installation."""
    return tuple(_onnxruntime().get_available_providers())


def _providers(device: str) -> list[str]:
    available = available_providers()
    if device == "cpu":
        return [_CPU]
    if _CUDA in available:
        return [_CUDA, _CPU]
    if device == "cuda":
        raise MissingDependencyError(
            "The device 'cuda' needs onnxruntime with CUDA support, which is not installed: "
            "install it with: pip install 'lipsync-studio[gpu]' (or use --device cpu)."
        )
    return [_CPU]


def load_session(name: str, options: SessionOptions | None = None) -> Any:
    """The ``onnxruntime.InferenceSession`` of the registered model ``name``.

    Sessions are built once per (name, options) and shared; the file's SHA-256 and its input
    and output names/shapes are checked against the registry when the session is built.
    """
    return _cached_session(name, options or SessionOptions())


@functools.lru_cache(maxsize=32)
def _cached_session(name: str, options: SessionOptions) -> Any:
    spec = get(name)
    path = verified_path(spec)
    ort = _onnxruntime()
    session_options = ort.SessionOptions()
    session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if options.threads:
        session_options.intra_op_num_threads = options.threads
        session_options.inter_op_num_threads = 1
        session_options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    providers = _providers(options.device)
    try:
        session = ort.InferenceSession(str(path), sess_options=session_options, providers=providers)
    except Exception as e:  # onnxruntime raises its own exception types
        raise ProcessingError(
            f"onnxruntime could not load the model {name!r} from {path} ({e}): "
            "reinstall lipsync or check the onnxruntime installation."
        ) from e
    _check_io(spec, session)
    logger.debug("loaded model %s on %s", name, session.get_providers()[0])
    return session


def _check_io(spec: ModelSpec, session: Any) -> None:
    for kind, declared, actual in (
        ("input", spec.inputs, session.get_inputs()),
        ("output", spec.outputs, session.get_outputs()),
    ):
        got = [(a.name, tuple(d if isinstance(d, int) else -1 for d in a.shape)) for a in actual]
        want = [(t.name, t.shape) for t in declared]
        if got != want:
            raise ProcessingError(
                f"The model {spec.name!r} has {kind}s {got}, the registry expects {want}: "
                "the file does not belong to this version of lipsync."
            )


def clear_sessions() -> None:
    """Drop all cached sessions (frees their memory; tests and long-lived hosts)."""
    _cached_session.cache_clear()
