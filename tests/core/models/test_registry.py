"""The model registry and session factory with the shipped ONNX files (real onnxruntime)."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

from lipsync.core import models
from lipsync.core.errors import InputError, MissingDependencyError, ProcessingError
from lipsync.core.models import DATA_DIR, ModelSpec, SessionOptions, TensorSpec

SHIPPED = ("blazeface_full", "blazeface_short", "face_mesh")


@pytest.fixture(autouse=True)
def private_registry(monkeypatch):
    """Models registered by a test disappear after it."""
    from lipsync.core.models import registry

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))


def test_shipped_models_are_registered_with_the_checked_in_checksums():
    sums = {}
    for line in (DATA_DIR / "SHA256SUMS.txt").read_text().splitlines():
        digest, name = line.split()
        sums[name] = digest
    assert set(SHIPPED) <= set(models.names())
    for name in SHIPPED:
        spec = models.get(name)
        assert spec.sha256 == sums[spec.filename] == models.file_sha256(spec.path)
        assert "Apache-2.0" in spec.licence
    assert "Apache License" in (DATA_DIR / "LICENSE-mediapipe.txt").read_text()
    total = sum(models.get(n).path.stat().st_size for n in SHIPPED)
    assert total < 6_000_000


@pytest.mark.parametrize("name", SHIPPED)
def test_sessions_run_and_match_the_declared_tensors(name):
    session = models.load_session(name, SessionOptions(threads=1))
    assert session is models.load_session(name, SessionOptions(threads=1))  # cached
    spec = models.get(name)
    [inp] = spec.inputs
    outputs = session.run(None, {inp.name: np.zeros(inp.shape, np.float32)})
    assert [o.shape for o in outputs] == [t.shape for t in spec.outputs]
    assert all(np.isfinite(o).all() for o in outputs)
    assert session.get_providers()[0] == "CPUExecutionProvider"


def test_damaged_file_is_refused(tmp_path):
    spec = models.get("blazeface_short")
    copy = tmp_path / spec.filename
    shutil.copyfile(spec.path, copy)
    with copy.open("r+b") as f:
        f.seek(2000)
        f.write(b"\x00\x01\x02\x03")
    damaged = ModelSpec(
        name="test_damaged",
        filename=spec.filename,
        sha256=spec.sha256,
        inputs=spec.inputs,
        outputs=spec.outputs,
        directory=tmp_path,
    )
    models.register(damaged, replace=True)
    with pytest.raises(ProcessingError, match="SHA-256"):
        models.load_session("test_damaged")
    missing = ModelSpec("test_missing", "nothing.onnx", "0" * 64, (), (), directory=tmp_path)
    models.register(missing, replace=True)
    with pytest.raises(ProcessingError, match="missing"):
        models.load_session("test_missing")


def test_wrong_tensor_spec_is_refused(tmp_path):
    spec = models.get("blazeface_short")
    wrong = ModelSpec(
        name="test_wrong_io",
        filename=spec.filename,
        sha256=spec.sha256,
        inputs=(TensorSpec("input", (1, 3, 128, 128)),),
        outputs=spec.outputs,
    )
    models.register(wrong, replace=True)
    with pytest.raises(ProcessingError, match="registry expects"):
        models.load_session("test_wrong_io")


def test_unknown_model_and_bad_options_are_input_errors():
    with pytest.raises(InputError, match="no model named 'nope'"):
        models.get("nope")
    with pytest.raises(InputError, match="'tpu'"):
        SessionOptions(device="tpu")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="negative"):
        SessionOptions(threads=-1)
    with pytest.raises(ValueError, match="already registered"):
        models.register(ModelSpec("face_mesh", "x.onnx", "", (), ()))


def test_cuda_without_onnxruntime_gpu_names_the_extra():
    if "CUDAExecutionProvider" in models.available_providers():
        pytest.skip("this machine has CUDA onnxruntime")
    with pytest.raises(MissingDependencyError, match=r"lipsync-studio\[gpu\]"):
        models.load_session("face_mesh", SessionOptions(device="cuda"))
    auto = models.load_session("face_mesh", SessionOptions(device="auto"))
    assert auto.get_providers() == ["CPUExecutionProvider"]


def test_import_lipsync_does_not_import_onnxruntime():
    code = (
        "import sys, lipsync, lipsync.core.models, lipsync.cli.faces; "
        "print('onnxruntime' in sys.modules, 'cv2' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
