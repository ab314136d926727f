"""Bad inputs for every command that reads files, through the installed ``lipsync``: missing
files, dangling links, folders, empty files, text and random bytes where media belong, audio
where a video belongs, garbage timelines and job files (JSON, YAML tags, unknown OTIO schemas),
non-checkpoints. Each: exit 3, one ``lipsync: error:`` sentence naming the file, no traceback,
every file in the folder byte-identical afterwards and nothing new in it."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import pytest
from clitools import assert_one_sentence_error, lipsync
from mediatools import lavfi_clip

from lipsync.core.errors import EXIT_BAD_INPUT

BAD_MEDIA = {
    "gone": None,  # does not exist
    "dangling": "link",  # a symbolic link to nothing
    "folder": "dir",
    "empty": b"",
    "text": b"hello, not media\n",
    # fixed noise: fresh random bytes now and then hold an MP3 frame sync that ffprobe accepts
    "noise": random.Random(20261202).randbytes(3000),
}


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("good_media")
    lavfi_clip(folder / "face.mp4", size="160x120", duration=0.4)
    lavfi_clip(folder / "line.wav", duration=0.4, video=False, extra=("-c:a", "pcm_s16le"))
    return folder


@pytest.fixture
def here(good, tmp_path, monkeypatch) -> Path:
    """The current folder: face.mp4, line.wav, and one bad file of each kind per suffix."""
    for p in good.iterdir():
        (tmp_path / p.name).write_bytes(p.read_bytes())
    for suffix in (".mp4", ".wav", ".otio", ".json", ".yaml", ".pth"):
        for kind, content in BAD_MEDIA.items():
            path = tmp_path / f"{kind}{suffix}"
            if content == "link":
                path.symlink_to(tmp_path / f"nowhere{suffix}")
            elif content == "dir":
                path.mkdir()
            elif content is not None:
                path.write_bytes(content)
    (tmp_path / "audio.mp4").write_bytes((good / "line.wav").read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def state(folder: Path) -> dict[str, str]:
    """Every entry of ``folder`` -> SHA-256 of a file, or its kind."""
    out = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        if p.is_symlink():
            out[key] = f"link to {os.readlink(p)}"
        elif p.is_dir():
            out[key] = "folder"
        else:
            out[key] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def refused(folder: Path, args: list[str], *words: str) -> None:
    before = state(folder)
    proc = lipsync(*args)
    assert_one_sentence_error(proc, EXIT_BAD_INPUT, *words)
    assert state(folder) == before


VIDEO_COMMANDS = {
    "check": ["check", "{}"],
    "probe": ["probe", "{}", "-o", "p.json"],
    "faces": ["faces", "{}", "--json", "f.json"],
    "sync": ["sync", "{}", "line.wav", "-o", "o.mp4"],
    "timeline-new": ["timeline", "new", "{}", "--dub", "line.wav", "-o", "t.otio"],
    "translate": ["translate", "{}", "--to", "es", "--mt", "none", "-o", "o.mp4"],
}
AUDIO_COMMANDS = {
    "visemes": ["visemes", "{}", "--json", "v.json"],
    "sync": ["sync", "face.mp4", "{}", "-o", "o.mp4"],
    "timeline-new": ["timeline", "new", "face.mp4", "--dub", "{}", "-o", "t.otio"],
    "check": ["check", "face.mp4", "{}"],
}


def fill(template: list[str], name: str) -> list[str]:
    return [a.replace("{}", name) for a in template]


@pytest.mark.parametrize("kind", list(BAD_MEDIA))
@pytest.mark.parametrize("command", list(VIDEO_COMMANDS))
def test_a_bad_video(here, command, kind):
    name = f"{kind}.mp4" if kind != "folder" else "folder.mp4"
    refused(here, fill(VIDEO_COMMANDS[command], name), name)


@pytest.mark.parametrize("command", [c for c in VIDEO_COMMANDS if c != "probe"])
def test_audio_where_a_video_belongs(here, command):
    refused(here, fill(VIDEO_COMMANDS[command], "audio.mp4"), "audio.mp4", "no video")


@pytest.mark.parametrize("kind", list(BAD_MEDIA))
@pytest.mark.parametrize("command", list(AUDIO_COMMANDS))
def test_a_bad_audio(here, command, kind):
    name = f"{kind}.wav"
    refused(here, fill(AUDIO_COMMANDS[command], name), name)


BAD_TIMELINES = {
    "garbage JSON": b"{not json",
    "a JSON list": b"[1, 2, 3]",
    "an unknown schema": b'{"OTIO_SCHEMA": "Nope.1", "name": "x"}',
    "a bare track": b'{"OTIO_SCHEMA": "Track.1", "name": "x", "children": [], "kind": "Video"}',
    "a video": None,  # face.mp4 renamed .otio
}


@pytest.mark.parametrize("kind", list(BAD_MEDIA))
def test_timeline_render_a_bad_file(here, kind):
    refused(here, ["timeline", "render", f"{kind}.otio", "-o", "t.otio"], f"{kind}.otio")


@pytest.mark.parametrize("kind", list(BAD_TIMELINES))
def test_timeline_render_not_a_timeline(here, kind):
    path = here / "bad.otio"
    content = BAD_TIMELINES[kind]
    path.write_bytes(content if content is not None else (here / "face.mp4").read_bytes())
    refused(here, ["timeline", "render", "bad.otio", "-o", "t.otio"], "bad.otio")


def test_a_codec_the_output_cannot_hold(here):
    """ProRes in an .mp4, FFV1 in a .mov, FFV1 for a timeline's .mov renders, DNxHR in an
    .mkv: one sentence naming the containers that can hold it, before any work."""
    refused(here, ["sync", "face.mp4", "line.wav", "-o", "o.mp4", "--codec", "prores"],
            "ProRes", ".mov or .mkv")  # fmt: skip
    refused(here, ["sync", "face.mp4", "line.wav", "-o", "o.mov", "--codec", "ffv1"],
            "FFV1", ".mp4 or .mkv")  # fmt: skip
    (here / "cut.otio").write_bytes(BAD_TIMELINES["a bare track"])
    refused(here, ["timeline", "render", "cut.otio", "-o", "t.otio", "--codec", "ffv1"],
            "FFV1", "prores")  # fmt: skip
    refused(here, ["sync", "face.mp4", "line.wav", "-o", "o.mkv", "--codec", "dnxhr"],
            "DNxHR", ".mov")  # fmt: skip


def test_a_picture_too_small_for_dnxhr(here):
    """DNxHR takes pictures of 256x120 or more; face.mp4 is 160x120: one sentence naming the
    codecs that take it, before any work, nothing written."""
    refused(here, ["sync", "face.mp4", "line.wav", "-o", "o.mov", "--codec", "dnxhr"],
            "256x120", "160x120", "--codec prores or h264")  # fmt: skip


SYNC_INPUT = b'{"video": "face.mp4", "dubs": {"es": "line.wav"}}'
BAD_JOBS = {
    "garbage JSON": ("jobs.json", b"{not json"),
    "a list": ("jobs.json", b"[1, 2]"),
    "no inputs": ("jobs.json", b'{"inputs": []}'),
    "an unknown field": ("jobs.json", b'{"inputs": [], "outputs": 1}'),
    "a string crf": ("jobs.json", b'{"inputs": [' + SYNC_INPUT + b'], "defaults": {"crf": "x"}}'),
    "a missing dub": ("jobs.json", b'{"inputs": [' + SYNC_INPUT.replace(b"line", b"no") + b"]}"),
    "a python tag": ("jobs.yaml", b'!!python/object/apply:os.system ["touch pwned"]\n'),
    "bad YAML": ("jobs.yaml", b"inputs: [unclosed\n"),
    "UTF-16": ("jobs.json", '{"inputs": []}'.encode("utf-16")),
}


@pytest.mark.parametrize("kind", list(BAD_MEDIA))
def test_batch_a_bad_job_file(here, kind):
    refused(here, ["batch", f"{kind}.json"], f"{kind}.json")


@pytest.mark.parametrize("kind", list(BAD_JOBS))
def test_batch_a_malformed_job_file(here, kind):
    name, content = BAD_JOBS[kind]
    (here / name).write_bytes(content)
    refused(here, ["batch", name], name)
    assert not (here / "pwned").exists()


@pytest.mark.parametrize("kind", list(BAD_MEDIA))
def test_models_export_a_bad_checkpoint(here, kind):
    refused(here, ["models", "export", "wav2lip", f"{kind}.pth", "-o", "m.onnx"], f"{kind}.pth")


def test_models_export_a_video_as_checkpoint(here):
    refused(here, ["models", "export", "wav2lip", "face.mp4", "-o", "m.onnx"], "face.mp4")


def test_resolve_doctor_names_a_missing_scripts_folder(here):
    """`resolve doctor` reports problems (exit 1, documented) rather than refusing input."""
    before = state(here)
    proc = lipsync("resolve", "doctor", "--dest", str(here / "gone"))
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "gone" in proc.stdout + proc.stderr
    assert state(here) == before
