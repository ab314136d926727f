"""``lipsync demo``: a fully offline showcase on a public-domain portrait.

Builds a short video from NASA's astronaut portrait (shipped in ``core/data``) with gentle head
motion, speaks a line of Spanish with espeak-ng, lip-syncs the video to it, and writes the
result, a side-by-side comparison and a plot of mouth opening against the speech.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from lipsync.core.engine import LipSyncEngine, SyncOptions, SyncReport
from lipsync.core.media import (
    EncodeOptions,
    VideoWriter,
    new_video_info,
    save_audio,
    write_text,
)
from lipsync.core.progress import ProgressCallback

DATA = Path(__file__).with_name("data")
PORTRAIT = DATA / "astronaut_portrait.jpg"
DEMO_TEXT = "Hola a todos. Me llamo Eileen, y hoy vamos a hablar del espacio y de las estrellas."
DEMO_LANG = "es"
DEMO_SIZE = (1280, 720)  # px
DEMO_FPS = Fraction(25)
PORTRAIT_HEIGHT = 640  # px, the portrait's height in the frame
TAIL_SECONDS = 0.6  # s of video after the speech ends (the mouth relaxes)


@dataclass(frozen=True)
class DemoResult:
    """The files the demo wrote, and the run report."""

    source: Path
    speech: Path
    output: Path
    side_by_side: Path
    plot: Path
    report: Path
    sync: SyncReport
    correlation: float
    lag: int


def load_portrait() -> np.ndarray:
    """The shipped portrait as ``uint8 (H, W, 3)`` RGB."""
    import cv2

    image = cv2.imread(str(PORTRAIT), cv2.IMREAD_COLOR)
    if image is None:
        raise FileNotFoundError(f"The demo portrait is missing from the package: {PORTRAIT}")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def portrait_frame(portrait: np.ndarray, t: float, size: tuple[int, int] = DEMO_SIZE) -> np.ndarray:
    """Frame at time ``t`` (s): the portrait over a soft backdrop, with gentle head motion
    (a few px of sway, ±2° of roll, ±2% of zoom)."""
    import cv2

    w, h = size
    k = h / DEMO_SIZE[1]  # motion and size scale with the frame
    scale = k * PORTRAIT_HEIGHT / portrait.shape[0] * (1 + 0.02 * math.sin(2 * math.pi * t / 5.0))
    angle = 2.0 * math.sin(2 * math.pi * t / 4.0)
    cx = w / 2 + k * 14 * math.sin(2 * math.pi * t / 3.0)
    cy = h / 2 + k * (30 + 6 * math.sin(2 * math.pi * t / 2.5))
    m = cv2.getRotationMatrix2D((portrait.shape[1] / 2, portrait.shape[0] / 2), angle, scale)
    m[:, 2] += (cx - portrait.shape[1] / 2, cy - portrait.shape[0] / 2)
    backdrop = cv2.resize(portrait, (w, h), interpolation=cv2.INTER_LINEAR)
    backdrop = (cv2.GaussianBlur(backdrop, (0, 0), 25) * 0.6).astype(np.uint8)
    return cv2.warpAffine(portrait, m, (w, h), dst=backdrop, borderMode=cv2.BORDER_TRANSPARENT)


def write_portrait_clip(
    path: Path, seconds: float, size: tuple[int, int] = DEMO_SIZE, preset: str = "fast"
) -> Path:
    """Write the moving-portrait clip (H.264, no sound) of ``seconds`` length at ``size``."""
    portrait = load_portrait()
    info = new_video_info(*size, DEMO_FPS)
    n = max(1, round(seconds * DEMO_FPS))
    source = EncodeOptions(audio_mode="none", preset=preset, provenance=False)  # not lip-synced
    with VideoWriter(path, info, options=source) as w:
        for i in range(n):
            w.write(portrait_frame(portrait, float(i / DEMO_FPS), size), i)
    return path


def run_demo(out_dir: str | Path, on_progress: ProgressCallback | None = None) -> DemoResult:
    """Run the whole demo into ``out_dir`` (created if missing)."""
    from lipsync.core.quality.mouth_plot import plot_mouth_opening
    from lipsync.core.quality.side_by_side import write_side_by_side
    from lipsync.core.quality.video_metrics import measure_apertures
    from lipsync.core.speech import load_speech_audio, synthesize, write_sidecar

    report = on_progress or (lambda stage, done, total: None)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    speech_path = out / "speech_es.wav"
    synthesis = synthesize(DEMO_TEXT, DEMO_LANG)
    save_audio(speech_path, synthesis.samples, synthesis.sample_rate)
    write_sidecar(speech_path, synthesis.events)
    seconds = synthesis.samples.shape[0] / synthesis.sample_rate + TAIL_SECONDS

    source = write_portrait_clip(out / "astronaut.mp4", seconds)
    output = out / "astronaut_es.mp4"
    engine = LipSyncEngine(SyncOptions(lang=DEMO_LANG))
    sync = engine.run(source, speech_path, output, on_progress=report)
    report_path = write_text(out / "report.json", json.dumps(sync.to_json(), indent=2) + "\n")

    side = write_side_by_side(source, output, out / "side_by_side.mp4", audio=output)
    times, before = measure_apertures(source)
    _, after = measure_apertures(output)
    speech = load_speech_audio(speech_path)
    from lipsync.core.quality.aperture import best_lag_correlation
    from lipsync.core.speech import analyse_speech

    track = analyse_speech(
        speech.samples, speech.sample_rate, float(DEMO_FPS), frame_times=times,
        espeak_events=speech.events,
    )  # fmt: skip
    r, lag = best_lag_correlation(after, track.param("open"))
    plot = plot_mouth_opening(
        out / "mouth_opening.png",
        times,
        track.param("open"),
        {"original mouth": before, "lip-synced mouth": after},
        speech.samples,
        speech.sample_rate,
        track.phones,
        title=f"Mouth opening vs speech: r = {r:.2f} at lag {lag} frames",
    )
    return DemoResult(source, speech_path, output, side, plot, report_path, sync, r, lag)
