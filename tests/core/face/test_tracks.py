"""The tracks JSON format: documented keys, round trip, errors for foreign files."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from lipsync.core.errors import InputError
from lipsync.core.face.tracks import (
    FrameFaces,
    TracksHeader,
    TracksWriter,
    dumps,
    face_to_dict,
    loads,
)
from lipsync.core.types import LANDMARK_COUNTS, FaceObservation, Pose


def make_face(track_id: int, offset: float) -> FaceObservation:
    rng = np.random.default_rng(track_id)
    landmarks = {
        g: (rng.uniform(0, 100, (n, 2)) + offset).astype(np.float32)
        for g, n in LANDMARK_COUNTS.items()
    }
    return FaceObservation(
        box=(offset, offset + 1, offset + 120, offset + 140),
        landmarks=landmarks,
        pose=Pose(3.25, -4.5, 1.5),
        confidence=0.97,
        track_id=track_id,
    )


def test_face_entry_has_the_documented_keys():
    entry = face_to_dict(make_face(3, 10.0))
    assert set(entry) == {"id", "box", "confidence", "yaw", "pitch", "roll", "landmarks"}
    assert entry["id"] == 3 and entry["box"] == [10.0, 11.0, 130.0, 150.0]
    assert set(entry["landmarks"]) == set(LANDMARK_COUNTS)
    assert (
        len(entry["landmarks"]["outer_lip"]) == 12 and len(entry["landmarks"]["outer_lip"][0]) == 2
    )


def test_streamed_and_whole_documents_round_trip():
    header = TracksHeader(fps=25.0, width=1280, height=720, backend="onnx")
    frames = [
        FrameFaces(0, 0.0, (make_face(0, 5.0),)),
        FrameFaces(1, 0.04, ()),
        FrameFaces(2, 0.08, (make_face(0, 6.0), make_face(1, 300.0))),
    ]
    buffer = io.StringIO()
    writer = TracksWriter(buffer, header)
    for frame in frames:
        writer.write(frame)
    writer.close()
    streamed = buffer.getvalue()
    assert json.loads(streamed) == json.loads(dumps(header, frames))
    doc = json.loads(streamed)
    assert (doc["fps"], doc["width"], doc["height"]) == (25.0, 1280, 720)
    assert [f["index"] for f in doc["frames"]] == [0, 1, 2] and doc["frames"][1]["faces"] == []
    assert doc["frames"][2]["t"] == 0.08
    back_header, back = loads(streamed)
    assert back_header == header
    for original, parsed in zip(frames, back, strict=True):
        assert parsed.index == original.index and len(parsed.faces) == len(original.faces)
        for a, b in zip(original.faces, parsed.faces, strict=True):
            assert b.track_id == a.track_id and b.pose == a.pose
            for group in LANDMARK_COUNTS:
                np.testing.assert_allclose(b.landmarks[group], a.landmarks[group], atol=0.006)


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"format": "something-else"}',
        '{"format": "lipsync-face-tracks", "version": 99}',
    ],
)
def test_foreign_documents_are_input_errors(text):
    with pytest.raises(InputError):
        loads(text)


def test_malformed_face_is_an_input_error():
    header = TracksHeader(25.0, 64, 64)
    doc = json.loads(dumps(header, [FrameFaces(0, 0.0, (make_face(0, 1.0),))]))
    doc["frames"][0]["faces"][0]["landmarks"]["jaw"] = [[1, 2]]
    with pytest.raises(InputError, match="jaw"):
        loads(json.dumps(doc))
