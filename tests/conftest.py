"""Shared fixtures: test media generated with the real ffmpeg program (see mediatools)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from mediatools import lavfi_clip


@pytest.fixture
def make_clip(tmp_path: Path) -> Callable[..., Path]:
    """Factory: ``make_clip("name.mp4", size=..., ...)`` -> path of a generated clip."""

    def make(name: str = "clip.mp4", **kwargs) -> Path:
        return lavfi_clip(tmp_path / name, **kwargs)

    return make


@pytest.fixture
def clip(make_clip) -> Path:
    """A 1 s 320x240 25 fps H.264 + AAC mp4."""
    return make_clip("clip.mp4")
