"""pocketsphinx, imported lazily, with its bundled en-US model (nothing is downloaded).

pocketsphinx decoders are not thread-safe; each user keeps one decoder behind a lock.
"""

from __future__ import annotations

import os
from types import ModuleType

import numpy as np

from lipsync.core.errors import MissingDependencyError

FRAME_SECONDS = 0.01  # s; pocketsphinx frame period (its -frate is 100 frames/s)


def pocketsphinx() -> ModuleType:
    """The pocketsphinx module, or :class:`MissingDependencyError` saying how to install it."""
    try:
        import pocketsphinx as ps
    except ImportError as e:
        raise MissingDependencyError(
            "The Python package 'pocketsphinx' is needed for speech analysis and is not "
            "installed: install it with: pip install 'pocketsphinx>=5.0'."
        ) from e
    return ps


def model_file(*parts: str) -> str:
    """A path inside pocketsphinx's bundled model folder, e.g. ``model_file("en-us", "en-us")``."""
    path = os.path.join(pocketsphinx().get_model_path(), *parts)
    if not os.path.exists(path):
        raise MissingDependencyError(
            f"pocketsphinx's bundled model file '{path}' is missing: reinstall pocketsphinx "
            "(pip install --force-reinstall 'pocketsphinx>=5.0')."
        )
    return path


def acoustic_model() -> str:
    """Folder of the bundled en-US acoustic model."""
    return model_file("en-us", "en-us")


def to_pcm(samples: np.ndarray) -> bytes:
    """float32 (n,) in -1..1 -> 16-bit little-endian PCM bytes, as pocketsphinx reads them."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
