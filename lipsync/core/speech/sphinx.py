"""pocketsphinx, imported lazily, with its bundled en-US model (nothing is downloaded).

pocketsphinx decoders are not thread-safe; each user keeps one decoder behind a lock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

import numpy as np

from lipsync.core.errors import MissingDependencyError
from lipsync.core.speech import parameters as P

FRAME_SECONDS = 0.01  # s; pocketsphinx frame period (its -frate is 100 frames/s)


def frame_time(frame: int) -> float:
    """Seconds of the boundary before pocketsphinx frame ``frame``, as heard: its frame times
    run early against where the phones are (see
    :data:`~.parameters.RECOGNISER_DELAY_SECONDS`), so every boundary but the start of the
    audio moves later by that much."""
    return 0.0 if frame <= 0 else frame * FRAME_SECONDS + P.RECOGNISER_DELAY_SECONDS


T = TypeVar("T")
_SHARED: dict[Callable[[], object], object] = {}
_SHARED_LOCK = threading.Lock()


def shared(factory: Callable[[], T]) -> T:
    """The one instance ``factory()`` builds on first use, shared by every caller after
    (decoders load their models once; each keeps its own lock for use)."""
    with _SHARED_LOCK:
        if factory not in _SHARED:
            _SHARED[factory] = factory()
        return _SHARED[factory]  # type: ignore[return-value]


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


def start_fresh(decoder) -> None:
    """Start an utterance with the front end as new (noise estimate, cepstral mean, dither
    generator): otherwise a reused decoder carries state from what it heard before, and the
    same audio would give different phones depending on earlier calls."""
    decoder.reinit_feat()
    decoder.start_utt()


def decoder_settings(ds: int, topn: int, dither: bool) -> dict[str, object]:
    """Decoder keywords shared by every recogniser: model, rate, reproducibility, and the
    speed settings ``ds`` (frames per Gaussian evaluation) and ``topn`` (Gaussians scored).

    ``dither`` adds pocketsphinx's own +-1 LSB noise (seeded once per decoder, so its output
    depends on what the decoder heard before); see :mod:`~.parameters`."""
    return {
        "hmm": acoustic_model(),
        "samprate": P.ANALYSIS_RATE,
        "ds": int(ds),
        "topn": int(topn),
        "bestpath": False,
        "dither": bool(dither),
        "seed": 1,
        "loglevel": "FATAL",
    }


def hop_powers(samples: np.ndarray) -> np.ndarray:
    """``float64 (n // HOP_SAMPLES,)``: the mean square of each whole 10 ms hop of float32
    (n,) ``samples``."""
    hop = P.HOP_SAMPLES
    n = samples.shape[0] // hop
    return np.mean(samples[: n * hop].astype(np.float64).reshape(n, hop) ** 2, axis=1)


def floor_sd(samples: np.ndarray, below_peak_db: float | None = None) -> float:
    """The standard deviation of the noise floor for float32 (n,) ``samples``:
    ``below_peak_db`` (default :data:`~.parameters.RECOGNISER_FLOOR_BELOW_PEAK_DB`) below
    their loud 10 ms hops (0: no whole hop, or silence)."""
    if below_peak_db is None:
        below_peak_db = P.RECOGNISER_FLOOR_BELOW_PEAK_DB
    power = hop_powers(samples)
    loud = float(np.percentile(power, P.PEAK_PERCENTILE)) if power.shape[0] else 0.0
    if loud <= 0.0:
        return 0.0
    return float(np.sqrt(loud) * 10.0 ** (-below_peak_db / 20.0))


def with_noise_floor(samples: np.ndarray, below_peak_db: float | None = None) -> np.ndarray:
    """float32 (n,) audio plus a seeded white-noise floor (:func:`floor_sd`; see
    :mod:`~.parameters` for why the recognisers need it)."""
    x = np.asarray(samples, dtype=np.float32)
    sd = floor_sd(x, below_peak_db)
    if sd == 0.0:
        return x
    noise = np.random.default_rng(P.RECOGNISER_FLOOR_SEED).standard_normal(x.shape[0])
    return (x + np.asarray(noise * sd, np.float32)).astype(np.float32)


def to_pcm(samples: np.ndarray) -> bytes:
    """float32 (n,) in -1..1 -> 16-bit little-endian PCM bytes, as pocketsphinx reads them."""
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def recogniser_pcm(samples: np.ndarray, below_peak_db: float | None = None) -> bytes:
    """What the recognisers hear: :func:`with_noise_floor` then :func:`to_pcm`; the floor
    ``below_peak_db`` below the loud frames, by default as the phone loop chooses it for these
    ``samples`` (:func:`~.phone_loop.floor_below_peak_db`: faint under a recording with a
    floor of its own, louder under digitally quiet speech)."""
    if below_peak_db is None:
        from lipsync.core.speech.phone_loop import digital_quiet, floor_below_peak_db

        below_peak_db = floor_below_peak_db(digital_quiet(samples))
    return to_pcm(with_noise_floor(samples, below_peak_db))
