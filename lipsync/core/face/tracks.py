"""The face-tracks JSON format (stable, versioned) and its reader/writer.

::

    {"format": "lipsync-face-tracks", "version": 1,
     "fps": 25.0, "width": 1280, "height": 720, "backend": "onnx",
     "landmark_counts": {"outer_lip": 12, "inner_lip": 8, "jaw": 17, "nose": 9,
                         "left_eye": 6, "right_eye": 6},
     "frames": [
       {"index": 0, "t": 0.0, "faces": [
         {"id": 0, "box": [x0, y0, x1, y1], "confidence": 0.99,
          "yaw": 2.4, "pitch": -3.1, "roll": 0.5,
          "landmarks": {"outer_lip": [[x, y], ...], "inner_lip": [...], "jaw": [...],
                        "nose": [...], "left_eye": [...], "right_eye": [...]}}]},
       ...]}

Coordinates are image pixels (x right, y down, origin at the top-left corner of the top-left
pixel), rounded to 1/100 px; angles are degrees (see :mod:`lipsync.core.face.pose`); ``t`` is
the frame's presentation time in seconds. Point order inside each group is documented in
:mod:`lipsync.core.types` (``outer_lip``: 0 image-left corner, 3 upper-lip midpoint, 6
image-right corner, 9 lower-lip midpoint; ``inner_lip``: 0, 2, 4, 6 likewise). Every frame of
the video is listed, with ``"faces": []`` where there is none. Readers must ignore unknown keys.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.types import LANDMARK_COUNTS, LANDMARK_GROUPS, FaceObservation, Pose

FORMAT = "lipsync-face-tracks"
VERSION = 1
DECIMALS = 2  # digits after the point for pixel coordinates and angles


@dataclass(frozen=True)
class TracksHeader:
    """Per-video fields: ``fps`` frames/s, frame ``width`` and ``height`` in px, ``backend``."""

    fps: float
    width: int
    height: int
    backend: str = ""


@dataclass(frozen=True, eq=False)
class FrameFaces:
    """The faces of one frame: ``index`` from 0, ``t`` seconds, ``faces``."""

    index: int
    t: float
    faces: tuple[FaceObservation, ...]


def _r(value: float) -> float:
    return round(float(value), DECIMALS)


def face_to_dict(face: FaceObservation) -> dict[str, Any]:
    """One face as a JSON-ready dict (the ``faces`` entries of the format)."""
    return {
        "id": int(face.track_id),
        "box": [_r(v) for v in face.box],
        "confidence": round(float(face.confidence), 4),
        "yaw": _r(face.pose.yaw),
        "pitch": _r(face.pose.pitch),
        "roll": _r(face.pose.roll),
        "landmarks": {
            group: np.round(np.asarray(face.landmarks[group], dtype=np.float64), DECIMALS).tolist()
            for group in LANDMARK_GROUPS
        },
    }


def face_from_dict(data: dict[str, Any]) -> FaceObservation:
    """Inverse of :func:`face_to_dict`; :class:`InputError` naming what is wrong."""
    try:
        landmarks = {}
        for group, count in LANDMARK_COUNTS.items():
            points = np.asarray(data["landmarks"][group], dtype=np.float32).reshape(-1, 2)
            if points.shape != (count, 2):
                raise ValueError(f"group {group!r} has {len(points)} points, not {count}")
            landmarks[group] = points
        x0, y0, x1, y1 = (float(v) for v in data["box"])
        return FaceObservation(
            box=(x0, y0, x1, y1),
            landmarks=landmarks,
            pose=Pose(float(data["yaw"]), float(data["pitch"]), float(data["roll"])),
            confidence=float(data["confidence"]),
            track_id=int(data["id"]),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise InputError(
            f"A face entry of the tracks file is malformed ({e!r}): regenerate it with "
            "'lipsync faces VIDEO --json FILE'."
        ) from e


def frame_to_dict(frame: FrameFaces) -> dict[str, Any]:
    return {
        "index": int(frame.index),
        "t": round(float(frame.t), 6),
        "faces": [face_to_dict(f) for f in frame.faces],
    }


def header_to_dict(header: TracksHeader) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "fps": float(header.fps),
        "width": int(header.width),
        "height": int(header.height),
        "backend": header.backend,
        "landmark_counts": dict(LANDMARK_COUNTS),
    }


class TracksWriter:
    """Streams the format to a text file: header first, one frame at a time, so memory does
    not grow with the video. Call :meth:`write` per frame and :meth:`close` at the end."""

    def __init__(self, stream: TextIO, header: TracksHeader) -> None:
        self._stream = stream
        head = json.dumps(header_to_dict(header), separators=(",", ":"))
        stream.write(head[:-1] + ',"frames":[\n')
        self._count = 0

    def write(self, frame: FrameFaces) -> None:
        if self._count:
            self._stream.write(",\n")
        self._stream.write(json.dumps(frame_to_dict(frame), separators=(",", ":")))
        self._count += 1

    def close(self) -> None:
        self._stream.write("\n]}\n")


def dumps(header: TracksHeader, frames: Iterable[FrameFaces]) -> str:
    """The whole document as a string."""
    doc = header_to_dict(header)
    doc["frames"] = [frame_to_dict(f) for f in frames]
    return json.dumps(doc, separators=(",", ":"))


def loads(text: str) -> tuple[TracksHeader, list[FrameFaces]]:
    """Parse a document; :class:`InputError` when it is not a face-tracks file."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(
            f"The tracks file is not JSON ({e}): give a file 'lipsync faces --json' wrote."
        ) from e
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(
            f"The JSON is not a {FORMAT} document: give a file 'lipsync faces --json' wrote."
        )
    if int(doc.get("version", 0)) > VERSION:
        raise InputError(
            f"The tracks file has version {doc.get('version')}, newer than {VERSION}: "
            "upgrade lipsync."
        )
    header = TracksHeader(
        float(doc["fps"]), int(doc["width"]), int(doc["height"]), str(doc.get("backend", ""))
    )
    return header, list(_frames(doc.get("frames", [])))


def _frames(items: Sequence[dict[str, Any]]) -> Iterator[FrameFaces]:
    for item in items:
        faces = tuple(face_from_dict(f) for f in item.get("faces", []))
        yield FrameFaces(int(item["index"]), float(item["t"]), faces)
