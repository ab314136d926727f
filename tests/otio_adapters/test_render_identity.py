"""What makes a timeline clip render again: a model folder's manifest, a speaker profile."""

from __future__ import annotations

import dataclasses

import numpy as np

from lipsync.core.render.exemplar_bank import Exemplar
from lipsync.core.render.speaker import SpeakerProfile
from lipsync.otio_adapters.render import _model_digest


def test_a_model_folder_is_identified_by_its_manifest(tmp_path):
    folder = tmp_path / "musetalk"
    folder.mkdir()
    (folder / "unet.onnx").write_bytes(b"weights")
    loose = _model_digest(str(folder))
    (folder / "unet.onnx").write_bytes(b"other weights")
    assert _model_digest(str(folder)) != loose  # no manifest: every file counts
    (folder / "manifest.json").write_text('{"unet": "aaa"}')
    first = _model_digest(str(folder))
    (folder / "manifest.json").write_text('{"unet": "bbb"}')
    assert _model_digest(str(folder)) != first
    model = tmp_path / "w.onnx"
    model.write_bytes(b"x")
    assert _model_digest(str(model)) != _model_digest(str(folder))
    assert _model_digest(None) is None


def test_a_profile_is_identified_by_what_it_draws():
    crop = np.zeros((10, 12, 3), np.uint8)
    sample = Exemplar(crop, 8.0, np.zeros((20, 2), np.float32), 0.1, 0.7, 0.0, 50.0, 1.0, 3)
    counts = np.zeros(120, np.int64)
    one = SpeakerProfile("a", (sample,), counts, counts, 10)
    renamed = dataclasses.replace(one, name="b", videos=("x.mp4",))
    assert one.digest() == renamed.digest()
    brighter = dataclasses.replace(sample, crop=crop + 1)
    assert dataclasses.replace(one, exemplars=(brighter,)).digest() != one.digest()
