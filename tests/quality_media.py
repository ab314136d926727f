"""Test media for the preflight checks and run reports: clips of the astronaut portrait (NASA,
public domain, from scikit-image) that trigger one warning each, and espeak-ng speech, clean,
noisy or missing. Encoded with the real ffmpeg program; nothing is downloaded."""

from __future__ import annotations

import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from face_media import astronaut_portrait, background, place

SPEECH_TEXT = "Mama made a map for Bob."
FPS = 25


@dataclass(frozen=True)
class ClipSpec:
    """A generated clip: ``size`` (w, h) px, ``seconds``, the face's height as a share of the
    frame height, its in-plane ``angle`` (degrees, clockwise), a second face beside it,
    ``gain`` on the face's brightness; from ``cut_at`` seconds on, another shot (the face
    elsewhere, another background)."""

    size: tuple[int, int] = (640, 360)
    seconds: float = 1.0
    face_share: float = 0.45
    angle: float = 0.0
    two_faces: bool = False
    gain: float = 1.0
    cut_at: float | None = None


def frames(spec: ClipSpec) -> list[np.ndarray]:
    """RGB ``uint8 (H, W, 3)`` frames: the portrait swaying a few px (a living shot)."""
    portrait = astronaut_portrait()
    w, h = spec.size
    face_width = spec.face_share * h * 1.3  # the portrait's face is wider than high
    backdrops = {False: background(w, h), True: background(w, h, seed=7)[:, ::-1].copy()}
    out = []
    for i in range(max(1, round(spec.seconds * FPS))):
        t = i / FPS
        sway = 0.01 * w * math.sin(2 * math.pi * t / 2.0)
        cut = spec.cut_at is not None and t >= spec.cut_at
        frame = backdrops[cut].copy()
        if cut:
            place(frame, portrait, (0.36 * w + sway, 0.5 * h), face_width * 0.85, spec.angle)
        elif spec.two_faces:
            place(frame, portrait, (0.28 * w + sway, 0.45 * h), face_width * 0.8, spec.angle)
            place(frame, portrait, (0.72 * w - sway, 0.45 * h), face_width * 0.8, spec.angle)
        else:
            place(frame, portrait, (0.5 * w + sway, 0.45 * h), face_width, spec.angle)
        if spec.gain != 1.0:
            frame = np.clip(frame.astype(np.float32) * spec.gain, 0, 255).astype(np.uint8)
        out.append(frame)
    return out


def write_clip(path: Path, spec: ClipSpec) -> Path:
    """Encode the clip of ``spec`` (H.264, ultrafast, no sound) to ``path``."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg is not None, "ffmpeg is not installed (apt-get install ffmpeg)"
    images = frames(spec)
    h, w = images[0].shape[:2]
    cmd = [
        *(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y"),
        *("-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", str(FPS), "-i", "-"),
    ]
    cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-crf", "18", "-pix_fmt", "yuv420p"]
    cmd.append(str(path))
    data = b"".join(np.ascontiguousarray(f).tobytes() for f in images)
    proc = subprocess.run(cmd, input=data, capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return path


def speech(seconds_pad: float = 0.0, text: str = SPEECH_TEXT) -> tuple[np.ndarray, int]:
    """espeak-ng speech (``float32 (n,)``, its rate), with ``seconds_pad`` of silence after."""
    from lipsync.core.speech import synthesize

    syn = synthesize(text, "en-us")
    pad = np.zeros(round(seconds_pad * syn.sample_rate), np.float32)
    return np.concatenate([syn.samples, pad]), syn.sample_rate


def add_noise(samples: np.ndarray, snr_db: float, seed: int = 0) -> np.ndarray:
    """``samples`` plus white noise ``snr_db`` below the RMS of the voiced part."""
    loud = samples[np.abs(samples) > 0.01]
    rms = float(np.sqrt(np.mean(loud**2))) if loud.size else 0.1
    noise = np.random.default_rng(seed).normal(0, rms / 10 ** (snr_db / 20), samples.shape)
    return (samples + noise).astype(np.float32)


def room_tone(seconds: float, rate: int = 16000, level: float = 0.01, seed: int = 1):
    """Quiet white noise: audio with no speech in it."""
    n = round(seconds * rate)
    return np.random.default_rng(seed).normal(0, level, n).astype(np.float32), rate


def save_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    from lipsync.core.media import save_audio

    return save_audio(path, samples, rate)


# --- the browser ------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_SKIP = (
    "Debian's chromium is not installed: run `make test`, which installs it "
    "(or apt-get install chromium)"
)


def browse(page: Path, folder: Path) -> tuple[bytes, str]:
    """Open ``page`` from disk in headless chromium (no server): a PNG screenshot of it and
    the visible text of its rendered DOM."""
    import html
    import re

    assert CHROMIUM is not None, CHROMIUM_SKIP
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / "screenshot.png"

    def run(name: str, *args: str) -> subprocess.CompletedProcess:
        cmd = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={folder / name}",
            "--window-size=1200,1800",
            *args,
            page.resolve().as_uri(),
        ]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    proc = run("profile-shot", f"--screenshot={shot}")
    assert shot.is_file(), f"chromium wrote no screenshot:\n{proc.stderr[-2000:]}"
    dom = run("profile-dom", "--dump-dom").stdout
    body = re.sub(r"(?is)<(style|script)\b.*?</\1>", " ", dom)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return shot.read_bytes(), " ".join(text.split())
