"""The stable JSON form of a :class:`~lipsync.core.types.MouthTrack` (to and from).

Format (version 1; new keys may be added, existing ones keep their meaning)::

    {
      "format": "lipsync-mouth-track",
      "version": 1,
      "fps": 25.0,                 # video frame rate the track was sampled for
      "source": "alignment",       # espeak | alignment | audio | silence
      "params": ["open", "width", "round", "closure", "labiodental", "teeth"],
      "frames": [{"t": 0.0, "open": 0.1, "width": 0.0, "round": 0.0, "closure": 0.0,
                  "labiodental": 0.0, "teeth": 0.0}, ...],
      "phones": [{"label": "m", "start": 0.12, "end": 0.19, "confidence": 1.0,
                  "source": "alignment"}, ...]
    }

``t``, ``start`` and ``end`` are seconds; parameter ranges are those of
:data:`~lipsync.core.types.MOUTH_PARAMS` (``width`` -1..1, the others 0..1). Values are rounded
to :data:`DECIMALS` decimals. Readers ignore unknown keys.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.types import MOUTH_PARAMS, MouthTrack, PhoneSegment

FORMAT = "lipsync-mouth-track"
VERSION = 1
DECIMALS = 4  # decimals kept for values and times (0.1 ms, 1e-4 of a parameter's range)


def track_to_dict(track: MouthTrack) -> dict[str, Any]:
    """The JSON-ready dictionary of ``track`` (see the module docstring)."""
    times = np.round(np.asarray(track.times, dtype=np.float64), DECIMALS).tolist()
    values = np.round(np.asarray(track.values, dtype=np.float64), DECIMALS).tolist()
    frames = [
        {"t": t, **{name: row[k] for k, name in enumerate(MOUTH_PARAMS)}}
        for t, row in zip(times, values, strict=True)
    ]
    phones = [
        {
            "label": p.label,
            "start": round(float(p.start), DECIMALS),
            "end": round(float(p.end), DECIMALS),
            "confidence": round(float(p.confidence), DECIMALS),
            "source": p.source,
        }
        for p in track.phones
    ]
    return {
        "format": FORMAT,
        "version": VERSION,
        "fps": float(track.fps),
        "source": track.source,
        "params": list(MOUTH_PARAMS),
        "frames": frames,
        "phones": phones,
    }


def track_to_json(track: MouthTrack, indent: int | None = None) -> str:
    """``track`` as a JSON string (UTF-8 labels kept as they are)."""
    return json.dumps(track_to_dict(track), ensure_ascii=False, indent=indent) + "\n"


def track_from_dict(doc: Mapping[str, Any], where: str = "the mouth track") -> MouthTrack:
    """Rebuild a track from :func:`track_to_dict`'s form; :class:`InputError` if it is not one.

    Missing parameters in a frame read as 0 (the neutral mouth).
    """
    try:
        if doc.get("format", FORMAT) != FORMAT:
            raise ValueError(f"format is {doc.get('format')!r}")
        fps = float(doc["fps"])
        frames = doc["frames"]
        times = np.array([float(f["t"]) for f in frames], dtype=np.float64)
        values = np.array(
            [[float(f.get(name, 0.0)) for name in MOUTH_PARAMS] for f in frames],
            dtype=np.float32,
        ).reshape(len(frames), len(MOUTH_PARAMS))
        phones = tuple(
            PhoneSegment(
                str(p["label"]),
                float(p["start"]),
                float(p["end"]),
                float(p.get("confidence", 1.0)),
                str(p.get("source", "")),
            )
            for p in doc.get("phones", [])
        )
        source = str(doc.get("source", ""))
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise InputError(
            f"{where} is not a lipsync mouth track ({e}): write it with 'lipsync visemes --json'."
        ) from e
    return MouthTrack(fps=fps, times=times, values=values, phones=phones, source=source)


def track_from_json(text: str, where: str = "the mouth track") -> MouthTrack:
    """Parse :func:`track_to_json`'s output."""
    try:
        doc = json.loads(text)
    except ValueError as e:
        raise InputError(f"{where} is not valid JSON ({e}): give a file written by lipsync.") from e
    if not isinstance(doc, Mapping):
        raise InputError(f"{where} is not a JSON object: give a file written by lipsync.")
    return track_from_dict(doc, where)
