"""Face landmark backends by name, like renderers: a registry the backends do not import."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from lipsync.cli.main import cli
from lipsync.core.errors import InputError
from lipsync.core.face import backend
from lipsync.core.face.landmark_backend import BackendOptions, Fit, Seed

FACE = Path(backend.__file__).parent


class NoFaces:
    """A backend that never finds a face."""

    name = "none-here"

    def __init__(self, options: BackendOptions) -> None:
        self.options = options

    def detect(self, image: np.ndarray, thorough: bool = True) -> list[Seed]:
        return []

    def fit(self, image: np.ndarray, region) -> Fit | None:
        return None


def test_builtin_backends_are_listed_default_first():
    assert backend.backend_names()[:3] == ("onnx", "mediapipe", "dlib")
    assert backend.BACKENDS == ("onnx", "mediapipe", "dlib")
    assert BackendOptions().name == "onnx"


def test_a_registered_backend_is_created_and_offered(monkeypatch):
    monkeypatch.setitem(backend._FACTORIES, "none-here", NoFaces)
    made = backend.create_backend(BackendOptions(name="none-here", min_face=0))
    assert isinstance(made, NoFaces) and made.options.min_face == 0
    assert made.detect(np.zeros((8, 8, 3), np.uint8)) == []
    assert "none-here" in backend.backend_names()
    result = CliRunner().invoke(cli, ["faces", "--help"])
    assert "[onnx|mediapipe|dlib|none-here]" in result.output


def test_an_unknown_backend_names_the_known_ones():
    with pytest.raises(InputError, match="'magic' is not known: use one of onnx, mediapipe, dlib"):
        backend.create_backend(BackendOptions(name="magic"))


def test_the_default_backend_builds():
    made = backend.create_backend()
    assert made.name == "onnx"


@pytest.mark.parametrize("module", ["onnx_backend", "mediapipe_backend", "dlib_backend"])
def test_backends_do_not_import_the_registry(module):
    tree = ast.parse((FACE / f"{module}.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert "lipsync.core.face.backend" not in imported
    assert "lipsync.core.face.landmark_backend" in imported
