"""The Wav2Lip generator and its checkpoints, with real torch: the public architecture, every
published checkpoint format loaded strictly, and clear errors for anything else. The tests
make their own checkpoints from a seeded random generator (nothing is downloaded)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lipsync.core.errors import InputError  # noqa: E402
from lipsync.core.models.wav2lip import (  # noqa: E402
    PARAMETERS,
    STATE_ENTRIES,
    Wav2Lip,
    checkpoint_format,
    load_wav2lip,
    parameter_count,
    random_wav2lip,
)
from lipsync.core.models.wav2lip_export import random_inputs  # noqa: E402

pytestmark = pytest.mark.slow  # torch; run by `make test`, skipped by -m 'not slow'


@pytest.fixture(scope="module")
def model() -> Wav2Lip:
    return random_wav2lip(seed=7)


@pytest.fixture(scope="module")
def inputs():
    mel, face = random_inputs(2, seed=3)
    return torch.from_numpy(mel), torch.from_numpy(face)


@pytest.fixture(scope="module")
def expected(model, inputs) -> np.ndarray:
    with torch.no_grad():
        return model(*inputs).numpy()


def outputs(model, inputs) -> np.ndarray:
    with torch.no_grad():
        return model(*inputs).numpy()


def test_architecture_is_the_public_generator(model, expected):
    state = model.state_dict()
    assert len(state) == STATE_ENTRIES == 352
    assert parameter_count(model) == PARAMETERS == 36_298_035
    keys = list(state)
    assert keys[0] == "face_encoder_blocks.0.0.conv_block.0.weight"
    assert "audio_encoder.12.conv_block.1.num_batches_tracked" in state
    assert "face_decoder_blocks.6.2.conv_block.1.running_var" in state
    assert keys[-1] == "output_block.1.bias"
    assert tuple(state["face_decoder_blocks.3.0.conv_block.0.weight"].shape) == (768, 384, 3, 3)
    assert expected.shape == (2, 3, 96, 96)
    assert expected.min() > 0.0 and expected.max() < 1.0  # sigmoid
    assert not model.training


def test_random_generator_is_seeded_and_randomises_batch_norm():
    a, b, c = random_wav2lip(1), random_wav2lip(1), random_wav2lip(2)
    sa, sb, sc = a.state_dict(), b.state_dict(), c.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa)
    var = "face_encoder_blocks.0.0.conv_block.1.running_var"
    assert not torch.equal(sa[var], sc[var])
    assert not torch.allclose(sa[var], torch.ones_like(sa[var]))  # not the default statistics


def _legacy(model, prefix: str) -> dict:
    """A training checkpoint as Wav2Lip's train script saves it (with a real Adam state)."""
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    small = list(model.output_block.parameters())
    for p in small:
        p.grad = torch.zeros_like(p)
    optimizer.step()
    for p in small:
        p.grad = None
    state = {prefix + k: v for k, v in model.state_dict().items()}
    return {
        "state_dict": state,
        "optimizer": optimizer.state_dict(),
        "global_step": 310000,
        "global_epoch": 420,
    }


FORMATS = ["legacy", "legacy-module-prefix", "legacy-pre-1.6-format", "state-dict", "torchscript"]


@pytest.mark.filterwarnings("ignore:`torch.jit.trace:DeprecationWarning")
@pytest.mark.parametrize("kind", FORMATS)
def test_every_checkpoint_format_loads_strictly_and_reproduces(kind, model, inputs, expected,
                                                               tmp_path):  # fmt: skip
    path = tmp_path / f"{kind}.pth"
    copy = random_wav2lip(seed=7)  # the same weights, so the optimizer step cannot touch them
    try:
        if kind == "torchscript":
            traced = torch.jit.trace(copy, inputs)
            traced.save(str(path))
            assert checkpoint_format(path) == "torchscript"
        elif kind == "state-dict":
            torch.save(copy.state_dict(), path)
            assert checkpoint_format(path) == "zip"
        else:
            prefix = "module." if kind == "legacy-module-prefix" else ""
            old = kind == "legacy-pre-1.6-format"
            torch.save(_legacy(copy, prefix), path, _use_new_zipfile_serialization=not old)
            assert checkpoint_format(path) == ("legacy" if old else "zip")
        loaded = load_wav2lip(path)
        assert not loaded.training
        np.testing.assert_array_equal(outputs(loaded, inputs), expected)
    finally:
        path.unlink(missing_ok=True)  # 145 MB each: do not keep them in pytest's tmp folders


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_checkpoint_never_runs_code(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": {"w": torch.zeros(1)}, "extra": _RunsCode(marker)}, path)
    with pytest.raises(InputError, match=r"does not load") as err:
        load_wav2lip(path)
    assert not marker.exists()
    assert str(tmp_path / "evil.pth") in str(err.value)


def test_bad_files_are_one_clear_sentence(tmp_path):
    text = tmp_path / "notes.pth"
    text.write_text("these are not weights\n")
    cases = {
        tmp_path / "absent.pth": r"does not exist",
        tmp_path: r"is not a file",
        text: r"is not a PyTorch checkpoint",
    }
    for path, message in cases.items():
        with pytest.raises(InputError, match=message):
            load_wav2lip(path)


def test_damaged_checkpoint_is_refused(tmp_path):
    path = tmp_path / "cut.pth"
    torch.save({"a": torch.arange(100_000, dtype=torch.float32)}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"not a PyTorch checkpoint|cannot be read"):
        load_wav2lip(path)


def test_other_architectures_are_named(tmp_path, model):
    other = tmp_path / "linear.pth"
    torch.save(torch.nn.Linear(4, 2).state_dict(), other)
    with pytest.raises(InputError, match=r"not a Wav2Lip generator: 352 weights missing"):
        load_wav2lip(other)

    syncnet = tmp_path / "syncnet.pth"
    torch.save({"state_dict": {"face_encoder.0.conv_block.0.weight": torch.zeros(1)}}, syncnet)
    with pytest.raises(InputError, match=r"SyncNet"):
        load_wav2lip(syncnet)

    state = dict(model.state_dict())
    state["output_block.1.weight"] = torch.zeros(3, 32, 3, 3)  # another resolution's head
    shapes = tmp_path / "shapes.pth"
    try:
        torch.save(state, shapes)
        with pytest.raises(InputError, match=r"'output_block.1.weight' has shape"):
            load_wav2lip(shapes)
    finally:
        shapes.unlink(missing_ok=True)

    values = tmp_path / "values.pth"
    torch.save({"state_dict": {"a": 1.0}}, values)
    with pytest.raises(InputError, match=r"not a state dict of weights"):
        load_wav2lip(values)


def test_missing_torch_names_the_extra():
    code = (
        "import sys\n"
        "sys.modules['torch'] = None\n"
        "import lipsync.core.models as m\n"
        "from lipsync.core.errors import MissingDependencyError\n"
        "try:\n"
        "    m.load_wav2lip\n"
        "except MissingDependencyError as e:\n"
        "    print('MISSING:', e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "MISSING:" in out.stdout
    assert "pip install 'lipsync-studio[torch]'" in out.stdout


def test_models_package_does_not_import_torch():
    code = "import sys, lipsync.core.models\nprint('torch' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
