"""Speaker profile files (``.lsprofile``): save and load, executing nothing when read.

The format is a ZIP archive of NumPy arrays (``numpy.savez_compressed``), read with
``allow_pickle=False``, so a profile can only ever hold numbers and images:

- ``manifest``: ``uint8`` UTF-8 JSON: ``{"format": "lipsync-profile", "version": 1,
  "name": ..., "frames": ..., "videos": [...], "samples": N}``;
- ``gap_counts``, ``width_counts``: ``int64 (RANGE_BINS,)`` mouth-range histograms;
- ``range_moments``: ``float64 (5,)``, the frames and the sums of inner-lip gap, outer-lip
  width, gap squared and gap times width behind the range's width-per-gap slope (optional:
  profiles written before it was kept have none, and render with the average face's);
- ``scale``, ``gap``, ``width``, ``teeth``, ``contrast``, ``quality``: ``float32 (N,)``;
  ``frame``: ``int64 (N,)``;
- ``lips``: ``float32 (N, 20, 2)``, rigid coordinates (see
  :mod:`lipsync.core.render.exemplar_bank`);
- ``crop_0`` ... ``crop_{N-1}``: ``uint8 (h, w, 3)`` RGB images of the speaker's lower face.

A profile holds images of a person's face: treat it as personal data.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.media.atomic import atomic_output
from lipsync.core.render import parameters as P
from lipsync.core.render.exemplar_bank import LIP_POINTS, Exemplar, crop_size
from lipsync.core.render.speaker import SpeakerProfile

FORMAT = "lipsync-profile"
VERSION = 1
SUFFIX = ".lsprofile"
_FLOATS = ("scale", "gap", "width", "teeth", "contrast", "quality")


def save_profile(
    profile: SpeakerProfile, path: str | Path, inputs: tuple[str | Path, ...] = ()
) -> Path:
    """Write ``profile`` to ``path`` atomically (never over one of ``inputs``); returns it."""
    path = Path(path)
    samples = profile.exemplars
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "name": profile.name,
        "frames": int(profile.frames),
        "videos": list(profile.videos),
        "samples": len(samples),
    }
    arrays: dict[str, np.ndarray] = {
        "manifest": np.frombuffer(json.dumps(manifest).encode("utf-8"), np.uint8),
        "gap_counts": np.asarray(profile.gap_counts, np.int64),
        "width_counts": np.asarray(profile.width_counts, np.int64),
        "range_moments": np.asarray(profile.range_moments, np.float64),
        "frame": np.array([s.frame for s in samples], np.int64),
        "lips": np.stack([s.lips for s in samples]).astype(np.float32)
        if samples
        else np.zeros((0, LIP_POINTS, 2), np.float32),
    }
    for name in _FLOATS:
        arrays[name] = np.array([getattr(s, name) for s in samples], np.float32)
    for i, s in enumerate(samples):
        arrays[f"crop_{i}"] = np.ascontiguousarray(s.crop, np.uint8)
    with atomic_output(path, inputs) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, allow_pickle=False, **arrays)
    return path


def _bad(path: Path, why: str) -> InputError:
    return InputError(
        f"{path} is not a usable speaker profile: {why}; build one with `lipsync profile build`."
    )


def load_profile(path: str | Path) -> SpeakerProfile:
    """The profile in ``path``; :class:`InputError` (one sentence) for a missing, foreign,
    damaged or out-of-range file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"No speaker profile at {path}: give a {SUFFIX} file.")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise _bad(path, f"it cannot be read ({type(exc).__name__})") from None
    try:
        manifest = json.loads(bytes(arrays["manifest"].astype(np.uint8)).decode("utf-8"))
    except (KeyError, ValueError, UnicodeDecodeError):
        raise _bad(path, "it has no readable manifest") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _bad(path, "it is not a lipsync profile")
    if manifest.get("version") != VERSION:
        raise _bad(path, f"format version {manifest.get('version')!r} is not {VERSION}")
    n = manifest.get("samples")
    if not isinstance(n, int) or not 0 <= n <= P.EXEMPLAR_MAX:
        raise _bad(path, f"its sample count {n!r} is out of range")
    try:
        exemplars = tuple(_sample(arrays, i, n) for i in range(n))
        gaps = _array(arrays, "gap_counts", np.int64, (P.RANGE_BINS,))
        widths = _array(arrays, "width_counts", np.int64, (P.RANGE_BINS,))
        moments = (
            _array(arrays, "range_moments", np.float64, (5,))
            if "range_moments" in arrays
            else np.zeros(5, np.float64)
        )
        if moments[0] < 0:
            raise ValueError("'range_moments' counts fewer than no frames")
    except ValueError as exc:
        raise _bad(path, str(exc)) from None
    videos = manifest.get("videos", [])
    return SpeakerProfile(
        name=str(manifest.get("name") or path.stem),
        exemplars=exemplars,
        gap_counts=np.maximum(gaps, 0),
        width_counts=np.maximum(widths, 0),
        frames=int(manifest.get("frames", 0) or 0),
        videos=tuple(str(v) for v in videos) if isinstance(videos, list) else (),
        range_moments=moments,
    )


def _array(arrays: dict[str, np.ndarray], key: str, dtype: type, shape: tuple[int, ...]):
    value = arrays.get(key)
    if value is None:
        raise ValueError(f"'{key}' is missing")
    if value.shape != shape or not np.can_cast(value.dtype, dtype, "same_kind"):
        raise ValueError(f"'{key}' is {value.dtype} {value.shape}, not {shape}")
    value = value.astype(dtype)
    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
        raise ValueError(f"'{key}' holds values that are not finite")
    return value


def _sample(arrays: dict[str, np.ndarray], i: int, n: int) -> Exemplar:
    floats = {k: float(_array(arrays, k, np.float32, (n,))[i]) for k in _FLOATS}
    scale = floats["scale"]
    if not 4.0 <= scale <= P.EXEMPLAR_MAX_SCALE:
        raise ValueError(f"sample {i} has a scale of {scale:g} px per IO")
    w, h = crop_size(scale)
    crop = _array(arrays, f"crop_{i}", np.uint8, (h, w, 3))
    if arrays[f"crop_{i}"].dtype != np.uint8:
        raise ValueError(f"'crop_{i}' is not 8-bit RGB")
    lips = _array(arrays, "lips", np.float32, (n, LIP_POINTS, 2))[i]
    frame = int(_array(arrays, "frame", np.int64, (n,))[i])
    return Exemplar(
        crop=crop,
        scale=scale,
        lips=lips,
        gap=floats["gap"],
        width=floats["width"],
        teeth=floats["teeth"],
        contrast=floats["contrast"],
        quality=floats["quality"],
        frame=frame,
    )
