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


#: The line the shared speaking portrait says (espeak-ng, en-us).
SPOKEN_LINE = "Mama made a map."


@pytest.fixture(scope="session")
def spoken_portrait(tmp_path_factory) -> Callable[..., dict[str, Path]]:
    """Factory of speech + portrait media, each made once per test session and shared:
    ``spoken_portrait(seconds=3.0, size=(320, 240), text=SPOKEN_LINE, sound=False)`` ->
    ``{"folder", "line", "video"}``: ``line.wav`` (espeak-ng speech, 16-bit WAV) and
    ``face.mp4`` (the synthetic speaking portrait, H.264 ultrafast, no audio). With
    ``sound=True``, ``face.mp4`` carries a 300 Hz sine soundtrack (index first), the silent
    portrait is ``silent.mp4`` and ``cut.mp4`` is ``face.mp4`` cut in half (a truncated file).
    The folder holds nothing else; tests must not write into it."""
    from mediatools import ffmpeg

    from lipsync.core.demo import write_portrait_clip
    from lipsync.core.media import save_audio
    from lipsync.core.speech import synthesize

    made: dict[tuple, dict[str, Path]] = {}

    def make(
        seconds: float = 3.0,
        size: tuple[int, int] = (320, 240),
        text: str = SPOKEN_LINE,
        sound: bool = False,
    ) -> dict[str, Path]:
        key = (seconds, tuple(size), text, sound)
        if key in made:
            return made[key]
        folder = tmp_path_factory.mktemp("spoken_portrait")
        syn = synthesize(text, "en-us")
        out = {"folder": folder, "line": save_audio(folder / "line.wav", syn.samples,
                                                    syn.sample_rate)}  # fmt: skip
        portrait = folder / ("silent.mp4" if sound else "face.mp4")
        write_portrait_clip(portrait, seconds, tuple(size), preset="ultrafast")
        out["video"] = portrait
        if sound:
            video = folder / "face.mp4"
            ffmpeg(
                "-i", str(portrait), "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
                "-c:v", "copy", "-c:a", "aac", "-shortest", "-movflags", "+faststart", str(video),
            )  # fmt: skip
            data = video.read_bytes()
            cut = folder / "cut.mp4"
            cut.write_bytes(data[: len(data) // 2])
            out.update(video=video, silent=portrait, cut=cut)
        made[key] = out
        return out

    return make
