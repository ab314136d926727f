"""``lipsync faces``: tracks JSON and preview from a generated video, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from face_media import astronaut_portrait, cameraman_portrait, scene, write_video

from lipsync.cli.context import CliContext
from lipsync.cli.faces import command
from lipsync.core.errors import InputError, MediaNotFoundError, OutputError
from lipsync.core.types import LANDMARK_COUNTS

FRAMES = 12
FACE_KEYS = {"id", "box", "confidence", "yaw", "pitch", "roll", "landmarks"}


@pytest.fixture(scope="module")
def two_face_video(tmp_path_factory) -> Path:
    astronaut, cameraman = astronaut_portrait(), cameraman_portrait()
    frames = []
    for k in range(FRAMES):
        frames.append(
            scene(
                640,
                360,
                [
                    (astronaut, (180.0 + 3 * k, 170.0), 110.0, 0.0),
                    (cameraman, (470.0 - 2 * k, 190.0), 100.0, 0.0),
                ],
            )
        )
    frames[-1] = scene(640, 360, [])  # the last frame has no face
    return write_video(tmp_path_factory.mktemp("faces") / "two.mp4", frames)


def invoke(*args: str):
    return CliRunner().invoke(command, list(args), obj=CliContext(quiet=False))


def test_json_and_preview(two_face_video, tmp_path):
    from lipsync.core.media import open_video

    out_json, out_preview = tmp_path / "tracks.json", tmp_path / "preview.mp4"
    result = invoke(str(two_face_video), "--json", str(out_json), "--preview", str(out_preview))
    assert result.exit_code == 0, result.output
    doc = json.loads(out_json.read_text())
    assert (doc["fps"], doc["width"], doc["height"]) == (25.0, 640, 360)
    assert [f["index"] for f in doc["frames"]] == list(range(FRAMES))
    assert doc["frames"][1]["t"] == pytest.approx(0.04)
    ids = set()
    for frame in doc["frames"][:-1]:
        assert len(frame["faces"]) == 2
        for face in frame["faces"]:
            assert set(face) == FACE_KEYS
            assert {g: len(p) for g, p in face["landmarks"].items()} == dict(LANDMARK_COUNTS)
            ids.add(face["id"])
    assert len(ids) == 2  # stable ids over the whole clip
    assert doc["frames"][-1]["faces"] == []
    with open_video(out_preview) as reader:
        assert (reader.info.width, reader.info.height) == (640, 360)
        assert sum(1 for _ in reader) == FRAMES
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".lipsync-tmp-")]


def test_summary_without_outputs(two_face_video):
    result = invoke(str(two_face_video), "--detect-every", "1", "--min-face", "0")
    assert result.exit_code == 0, result.output
    assert f"{FRAMES} frames, faces in {FRAMES - 1}, up to 2 at once" in result.output


def test_missing_video_is_a_clear_error(tmp_path):
    result = invoke(str(tmp_path / "nope.mp4"))
    assert isinstance(result.exception, MediaNotFoundError)
    assert "does not exist" in str(result.exception)


def test_output_folder_missing_fails_before_work(two_face_video, tmp_path):
    result = invoke(str(two_face_video), "--json", str(tmp_path / "no" / "t.json"))
    assert isinstance(result.exception, OutputError)


def test_dlib_needs_a_model(two_face_video):
    pytest.importorskip("dlib", reason="dlib is not installed: pip install dlib-bin")
    result = invoke(str(two_face_video), "--backend", "dlib")
    assert isinstance(result.exception, InputError)
    assert "--dlib-model" in str(result.exception)


def test_unknown_backend_is_a_usage_error(two_face_video):
    result = invoke(str(two_face_video), "--backend", "magic")
    assert result.exit_code == 2 and "magic" in result.output


def test_help_mentions_the_example():
    result = invoke("--help")
    assert result.exit_code == 0 and "lipsync faces interview.mp4" in result.output
