"""Landmark backends by name: ``create_backend(BackendOptions(name="dlib", dlib_model=...))``.

Backends (each imported only when asked for, so its heavy package waits until then):

- ``onnx`` (default): MediaPipe's BlazeFace detectors and 468-point mesh, shipped as ONNX,
  run on onnxruntime; no downloads.
- ``mediapipe``: the ``mediapipe`` package's face mesh with refined lips, when installed.
- ``dlib``: dlib's HOG detector plus a 68-point shape model file the user gives. The usual
  model (``shape_predictor_68_face_landmarks.dat``, Debian's libdlib-data) is trained on data
  that excludes commercial use; lipsync never bundles or downloads it.

Like the renderer registry: other backends register a factory with :func:`register_backend`
(called with the :class:`BackendOptions`). What a backend is (:class:`LandmarkBackend`,
:class:`Seed`, :class:`Fit`, :class:`BackendOptions`) lives in :mod:`.landmark_backend`, which
the backends import; this module imports them only inside :func:`create_backend`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from lipsync.core.errors import InputError
from lipsync.core.face.landmark_backend import (
    DEFAULT_BACKEND,
    BackendOptions,
    Fit,
    LandmarkBackend,
    Seed,
    box_of,
)

Factory = Callable[[BackendOptions], LandmarkBackend]

_FACTORIES: dict[str, Factory] = {}
# name -> "module:class" of a backend, imported when the backend is asked for
_LAZY: dict[str, str] = {
    "onnx": "lipsync.core.face.onnx_backend:OnnxBackend",
    "mediapipe": "lipsync.core.face.mediapipe_backend:MediapipeBackend",
    "dlib": "lipsync.core.face.dlib_backend:DlibBackend",
}


def register_backend(name: str, factory: Factory) -> None:
    """Make ``factory(options)`` the backend ``name`` (replaces an earlier one)."""
    _FACTORIES[name] = factory


def backend_names() -> tuple[str, ...]:
    """The names :func:`create_backend` knows: the built-in ones first, then those
    registered."""
    return tuple(dict.fromkeys([*_LAZY, *_FACTORIES]))


BACKENDS: tuple[str, ...] = backend_names()  # the built-in ones


def create_backend(options: BackendOptions | None = None) -> LandmarkBackend:
    """Build the backend ``options.name``; :class:`InputError` for an unknown name or bad
    setting, :class:`~lipsync.core.errors.MissingDependencyError` when its package is
    missing."""
    opts = options or BackendOptions()
    factory = _FACTORIES.get(opts.name)
    if factory is None and opts.name in _LAZY:
        module, name = _LAZY[opts.name].split(":")
        factory = getattr(importlib.import_module(module), name)
    if factory is None:
        raise InputError(
            f"The face backend {opts.name!r} is not known: use one of {', '.join(backend_names())}."
        )
    return factory(opts)


__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "BackendOptions",
    "Fit",
    "LandmarkBackend",
    "Seed",
    "backend_names",
    "box_of",
    "create_backend",
    "register_backend",
]
