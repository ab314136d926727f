"""``lipsync visemes``: real espeak-ng speech in a WAV file, JSON and PNG out."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from lipsync.cli.context import CliContext
from lipsync.cli.visemes import command
from lipsync.core.errors import InputError, MediaError, MediaNotFoundError
from lipsync.core.media import save_audio
from lipsync.core.speech.espeak import synthesize
from lipsync.core.speech.phone_events import write_sidecar
from lipsync.core.types import MOUTH_PARAMS

TEXT = "Bob bought a big map."


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    syn = synthesize(TEXT, lang="en", voice="en-us")
    path = tmp_path_factory.mktemp("visemes") / "dub.wav"
    save_audio(path, syn.samples, syn.sample_rate)
    return path, syn


def _run(*args):
    return CliRunner().invoke(command, list(args), obj=CliContext(quiet=False))


def test_help():
    result = _run("--help")
    assert result.exit_code == 0
    assert "--text-file" in result.output and "Example" in result.output


def test_json_and_plot_with_text(speech, tmp_path):
    wav, _ = speech
    out, png = tmp_path / "track.json", tmp_path / "track.png"
    result = _run(str(wav), "--text", TEXT, "--fps", "30", "--json", str(out), "--plot", str(png))
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["fps"] == 30.0 and doc["source"] == "alignment"
    assert set(doc["frames"][0]) == {"t", *MOUTH_PARAMS}
    assert {"label", "start", "end", "confidence", "source"} <= set(doc["phones"][0])
    assert any(f["closure"] >= 0.99 for f in doc["frames"])  # "Bob … big map" closes the lips
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".lipsync-tmp-")]


def test_text_file_stdout_and_sidecar(speech, tmp_path):
    wav, syn = speech
    text_file = tmp_path / "words.txt"
    text_file.write_text(TEXT, encoding="utf-8")
    result = _run(str(wav), "--text-file", str(text_file), "--json", "-")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["source"] == "alignment"
    copy = tmp_path / "synth.wav"
    save_audio(copy, syn.samples, syn.sample_rate)
    write_sidecar(copy, syn.events)
    result = _run(str(copy), "--json", "-")
    assert json.loads(result.stdout)["source"] == "espeak"
    result = _run(str(copy), "--json", "-", "--no-sidecar")
    assert json.loads(result.stdout)["source"] == "audio"


def test_bad_input_raises_lipsync_errors(speech, tmp_path):
    wav, _ = speech
    result = _run(str(wav), "--text", "a", "--text-file", "x.txt")
    assert isinstance(result.exception, InputError)
    result = _run(str(tmp_path / "missing.wav"))
    assert isinstance(result.exception, MediaNotFoundError)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio" * 50)
    result = _run(str(junk))
    assert isinstance(result.exception, MediaError)
    assert "junk.wav" in str(result.exception)
    result = _run(str(wav), "--fps", "0")
    assert result.exit_code == 2  # click's usage error
    result = _run(str(wav), "--json", str(tmp_path / "no-such-dir" / "t.json"))
    assert isinstance(result.exception, InputError)
