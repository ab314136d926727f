"""A picture of a mouth track: waveform, phone segments, and each mouth parameter over time.

Rendered with matplotlib's Agg backend (no display needed) to PNG bytes; the caller writes them.
"""

from __future__ import annotations

import io

import numpy as np

from lipsync.core.optional import require
from lipsync.core.speech.phonesets import is_silence
from lipsync.core.types import MOUTH_PARAMS, MouthTrack

FIGURE_WIDTH = 12.0  # inches
ROW_HEIGHT = 1.1  # inches per plotted row
DPI = 100  # pixels per inch of the PNG
MAX_WAVE_POINTS = 20_000  # waveform points drawn (min/max envelope beyond that)


def _envelope(samples: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = samples.shape[0]
    if n <= MAX_WAVE_POINTS:
        t = np.arange(n) / rate
        return t, samples, samples
    step = int(np.ceil(n / (MAX_WAVE_POINTS // 2)))
    m = n // step
    blocks = samples[: m * step].reshape(m, step)
    t = (np.arange(m) * step + step / 2) / rate
    return t, blocks.min(axis=1), blocks.max(axis=1)


def plot_track(
    track: MouthTrack, samples: np.ndarray | None = None, sample_rate: int | None = None
) -> bytes:
    """PNG bytes showing ``samples`` (float32 (n,) at ``sample_rate`` Hz, optional), the phone
    segments of ``track`` and one row per mouth parameter."""
    mpl = require("matplotlib", "plot", "mouth-track plots")
    mpl.use("Agg", force=False)
    from matplotlib.figure import Figure

    rows = 2 + len(MOUTH_PARAMS)
    fig = Figure(figsize=(FIGURE_WIDTH, ROW_HEIGHT * rows), dpi=DPI)
    axes = fig.subplots(rows, 1, sharex=True)
    end = float(track.times[-1]) if len(track) else 0.0
    if samples is not None and sample_rate and samples.shape[0]:
        t, lo, hi = _envelope(np.asarray(samples, dtype=np.float32), int(sample_rate))
        axes[0].fill_between(t, lo, hi, color="0.3", linewidth=0.5)
        end = max(end, samples.shape[0] / sample_rate)
    axes[0].set_ylabel("wave")
    axes[0].set_title(f"mouth track: source {track.source or '?'}, {track.fps:g} fps")
    ax = axes[1]
    for k, p in enumerate(track.phones):
        if is_silence(p.label):
            continue
        ax.axvspan(p.start, p.end, color=("C0" if k % 2 else "C1"), alpha=0.25)
        ax.text((p.start + p.end) / 2, 0.5, p.label, ha="center", va="center", fontsize=7)
    ax.set_yticks([])
    ax.set_ylabel("phones")
    for k, name in enumerate(MOUTH_PARAMS):
        ax = axes[2 + k]
        ax.plot(track.times, track.values[:, k], drawstyle="steps-post", linewidth=1.0)
        ax.set_ylim(-1.05 if name == "width" else -0.05, 1.05)
        ax.set_ylabel(name)
    axes[-1].set_xlabel("time (s)")
    axes[-1].set_xlim(0.0, max(end, 1e-3))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
