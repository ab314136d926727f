"""``lipsync models``: listing, exporting a Wav2Lip checkpoint through the console script, and
using the export with ``lipsync sync --renderer wav2lip``; bad input is one sentence."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner
from clitools import assert_one_sentence_error, lipsync

from lipsync.cli.main import cli

torch = pytest.importorskip("torch")


pytestmark = pytest.mark.slow  # torch; run by `make test`, skipped by -m 'not slow'


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from lipsync.core.models.wav2lip import random_wav2lip

    folder = tmp_path_factory.mktemp("ckpt")
    path = folder / "wav2lip_gan.pth"
    state = {"module." + k: v for k, v in random_wav2lip(seed=3).state_dict().items()}
    torch.save({"state_dict": state, "global_step": 1, "global_epoch": 1}, path)
    yield path
    shutil.rmtree(folder)


@pytest.mark.parametrize("args", [["models"], ["models", "export"], ["models", "list"]])
def test_help_has_an_example(args):
    result = CliRunner().invoke(cli, [*args, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output


def test_list_shows_the_registered_models():
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 0, result.output
    for name in ("blazeface_short", "blazeface_full", "face_mesh"):
        assert name in result.output


def test_export_then_sync(checkpoint, tmp_path):
    from face_media import write_video
    from render_media import astronaut_frame

    from lipsync.core.media import probe, save_audio
    from lipsync.core.speech import synthesize

    onnx = tmp_path / "wav2lip.onnx"
    proc = lipsync("models", "export", "wav2lip", str(checkpoint), "-o", str(onnx))
    assert proc.returncode == 0, proc.stderr
    assert "36,298,035 parameters" in proc.stdout
    assert "max difference" in proc.stdout
    assert onnx.is_file()

    video = write_video(tmp_path / "face.mp4", [astronaut_frame(320, 240, scale=0.9)] * 8)
    syn = synthesize("Map.", "en-us")
    audio = save_audio(tmp_path / "line.wav", syn.samples, syn.sample_rate)
    out = tmp_path / "out.mp4"
    proc = lipsync("sync", str(video), str(audio), "-o", str(out), "--renderer", "wav2lip",
                   "--model", str(onnx))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert probe(out).video[0].frame_count == 8
    # the checkpoint itself is not a --model
    proc = lipsync("sync", str(video), str(audio), "-o", str(tmp_path / "x.mp4"),
                   "--renderer", "wav2lip", "--model", str(checkpoint))  # fmt: skip
    assert_one_sentence_error(proc, 3, "PyTorch checkpoint", "lipsync models export wav2lip")
    proc = lipsync("sync", str(video), str(audio), "-o", str(tmp_path / "x.mp4"),
                   "--renderer", "wav2lip")  # fmt: skip
    assert_one_sentence_error(proc, 3, "--model", "lipsync models export")


def test_bad_checkpoints_are_one_sentence(tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("not weights")
    other = tmp_path / "linear.pth"
    torch.save(torch.nn.Linear(2, 2).state_dict(), other)
    out = tmp_path / "w.onnx"
    for path, words in [
        (tmp_path / "absent.pth", ("does not exist",)),
        (text, ("not a PyTorch checkpoint",)),
        (other, ("not a Wav2Lip generator", "weights missing")),
    ]:
        proc = lipsync("models", "export", "wav2lip", str(path), "-o", str(out))
        assert_one_sentence_error(proc, 3, str(path), *words)
    assert not out.exists()
    proc = lipsync("models", "export", "syncnet", str(text), "-o", str(out))
    assert proc.returncode == 2 and "wav2lip" in proc.stderr
