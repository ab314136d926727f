"""Test media made with the real ffmpeg program, and comparisons (importable from tests)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

FFMPEG = shutil.which("ffmpeg")


def ffmpeg(*args: str) -> None:
    """Run ffmpeg with an argv list (never a shell string); fail the test with its stderr."""
    if FFMPEG is None:
        pytest.fail("ffmpeg is not installed: run `make test`, which installs it")
    cmd = [FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail(f"ffmpeg failed: {' '.join(cmd)}\n{proc.stderr}")


def lavfi_clip(
    path: Path,
    *,
    size: str = "320x240",
    rate: str = "25",
    duration: float = 1.0,
    audio: bool = True,
    video: bool = True,
    vcodec: Sequence[str] = ("-c:v", "libx264", "-crf", "12", "-preset", "veryfast"),
    pix_fmt: str = "yuv420p",
    vfilter: str | None = None,
    extra: Sequence[str] = (),
    source: str = "testsrc2",
) -> Path:
    """A lavfi ``source`` clip (testsrc2 by default; it rounds sizes to even numbers, testsrc
    does not) with a sine tone unless ``audio`` is False, written by ffmpeg."""
    args: list[str] = []
    if video:
        args += ["-f", "lavfi", "-i", f"{source}=size={size}:rate={rate}:duration={duration}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={duration}:sample_rate=48000"]
    if video:
        if vfilter:
            args += ["-vf", vfilter]
        args += [*vcodec, "-pix_fmt", pix_fmt]
    if audio:
        args += ["-c:a", "aac", "-b:a", "128k"]
    args += [*extra, str(path)]
    ffmpeg(*args)
    return path


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio in dB between two uint8 images or stacks."""
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(255.0**2 / mse))


@contextmanager
def read_only_folder(path: Path) -> Iterator[Path]:
    """A folder nobody can create files in, root included (mode 0500, or the immutable
    attribute where folder modes do not bind, as for root)."""
    path.mkdir()
    path.chmod(0o500)
    immutable = False
    try:
        probe = path / "probe"
        try:
            probe.touch()
        except OSError:
            pass
        else:  # folder modes do not bind this user: use the immutable attribute
            probe.unlink()
            chattr = shutil.which("chattr")
            if chattr is None:
                pytest.skip("folder modes do not bind this user and chattr is missing")
            if subprocess.run([chattr, "+i", str(path)], check=False).returncode != 0:
                pytest.skip("folder modes do not bind this user and chattr +i failed")
            immutable = True
        assert not os.access(path, os.W_OK) or immutable
        yield path
    finally:
        if immutable:
            subprocess.run([shutil.which("chattr") or "chattr", "-i", str(path)], check=False)
        path.chmod(0o700)


def x264_settings(path: Path) -> dict[str, str]:
    """The settings x264 wrote into the H.264 file ``path``'s SEI ("options: cabac=1 ref=3
    deblock=1:-1:-1 ..."), by name: how a tune, which x264 does not echo, is seen."""
    found = re.search(rb"x264 - core \d+.*? options: ([ -~]+)", Path(path).read_bytes())
    assert found, f"no x264 options string in {path}"
    return dict(item.split("=", 1) for item in found.group(1).decode().split() if "=" in item)
