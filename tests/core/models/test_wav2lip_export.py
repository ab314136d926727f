"""ONNX export of a Wav2Lip checkpoint (real torch, onnx, onnxruntime) and the session that
runs it, with the errors a user can meet on the way."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lipsync.core.errors import InputError  # noqa: E402
from lipsync.core.models import DATA_DIR, Wav2LipSession, open_wav2lip  # noqa: E402
from lipsync.core.models.wav2lip import random_wav2lip  # noqa: E402
from lipsync.core.models.wav2lip_export import export_wav2lip, random_inputs  # noqa: E402

pytestmark = pytest.mark.slow  # torch; run by `make test`, skipped by -m 'not slow'


@pytest.fixture(autouse=True)
def private_registry(monkeypatch):
    """Models registered by a test disappear after it."""
    from lipsync.core.models import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


@pytest.fixture(scope="module")
def model():
    return random_wav2lip(seed=11)


@pytest.fixture(scope="module")
def exported(tmp_path_factory, model):
    folder = tmp_path_factory.mktemp("export")
    checkpoint = folder / "wav2lip.pth"
    torch.save({"state_dict": model.state_dict(), "global_step": 1, "global_epoch": 1}, checkpoint)
    report = export_wav2lip(checkpoint, folder / "wav2lip.onnx")
    yield checkpoint, report
    shutil.rmtree(folder)  # 290 MB


def test_export_matches_torch(exported, model):
    _, report = exported
    assert report.path.is_file() and report.size == report.path.stat().st_size
    assert report.parameters == 36_298_035
    assert report.max_difference <= 1e-4
    import onnx
    import onnxruntime as ort

    graph = onnx.load(str(report.path), load_external_data=False)
    assert {o.version for o in graph.opset_import if o.domain in ("", "ai.onnx")} == {17}
    assert not list(report.path.parent.glob(".lipsync-tmp-*"))
    session = ort.InferenceSession(str(report.path), providers=["CPUExecutionProvider"])
    for batch in (1, 5):  # the batch is dynamic
        mel, face = random_inputs(batch, seed=batch)
        (got,) = session.run(["output"], {"mel": mel, "face": face})
        with torch.no_grad():
            want = model(torch.from_numpy(mel), torch.from_numpy(face)).numpy()
        assert got.shape == (batch, 3, 96, 96)
        assert np.abs(got - want).max() <= 1e-4


def test_session_runs_the_export_on_the_cpu(exported, model):
    _, report = exported
    session = open_wav2lip(report.path)
    assert isinstance(session, Wav2LipSession)
    # CUDA only with onnxruntime-gpu and a GPU; larger batches there
    assert (session.provider, session.batch_size) in (
        ("CPUExecutionProvider", 16),
        ("CUDAExecutionProvider", 64),
    )
    assert session.spec.sha256 and session.spec.name.startswith("wav2lip-")
    mel, face = random_inputs(3, seed=4)
    with torch.no_grad():
        want = model(torch.from_numpy(mel), torch.from_numpy(face)).numpy()
    np.testing.assert_allclose(session.run(mel, face), want, atol=1e-4)
    assert open_wav2lip(report.path).session is session.session  # cached per file version


def test_model_file_errors_name_the_option_and_the_export(tmp_path, exported):
    checkpoint, _ = exported
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x07 this is not a protobuf model" * 10)
    other = tmp_path / "face_mesh.onnx"
    shutil.copyfile(DATA_DIR / "face_landmark.onnx", other)
    cases = [
        (None, r"needs a model: give --model"),
        (tmp_path / "absent.onnx", r"--model file .* does not exist"),
        (tmp_path, r"--model path .* is not a file"),
        (checkpoint, r"is a PyTorch checkpoint, not an ONNX model"),
        (junk, r"is not a Wav2Lip ONNX model \(onnxruntime"),
        (other, r"is not a Wav2Lip ONNX model \(its inputs and outputs"),
    ]
    for path, message in cases:
        with pytest.raises(InputError, match=message) as err:
            open_wav2lip(path)
        assert "lipsync models export wav2lip" in str(err.value)
        assert "\n" not in str(err.value)


def test_export_refuses_bad_destinations_and_inputs(tmp_path, exported):
    checkpoint, _ = exported
    with pytest.raises(InputError, match=r"same file as the input"):
        export_wav2lip(checkpoint, checkpoint)
    with pytest.raises(InputError, match=r"does not exist"):
        export_wav2lip(checkpoint, tmp_path / "missing" / "w.onnx")
    bad = tmp_path / "bad.pth"
    bad.write_text("nope")
    with pytest.raises(InputError, match=r"not a PyTorch checkpoint"):
        export_wav2lip(bad, tmp_path / "w.onnx")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.pth"]  # nothing half-written
