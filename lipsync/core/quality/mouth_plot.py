"""A PNG of mouth opening over time against the speech: what the audio asks for, what the
original mouth did, and what the lip-synced mouth does."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from lipsync.core.media import atomic_output
from lipsync.core.types import PhoneSegment

FIG_SIZE = (12, 5.5)  # inches
DPI = 110


def plot_mouth_opening(
    output: str | Path,
    times: np.ndarray,
    expected: np.ndarray,
    measured: dict[str, np.ndarray],
    samples: np.ndarray,
    sample_rate: int,
    phones: Sequence[PhoneSegment] = (),
    title: str = "Mouth opening against the speech",
) -> Path:
    """Write the plot to ``output`` (PNG, atomically).

    ``times`` ``float (N,)`` s; ``expected`` ``float (N,)`` the mouth track's ``open`` 0..1;
    ``measured`` maps a label to ``float (N,)`` apertures (NaN where no face), each scaled to
    0..1 by its own 99th percentile for comparison; ``samples`` ``float (n,)`` mono speech.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_wave, ax_open) = plt.subplots(
        2, 1, figsize=FIG_SIZE, sharex=True, gridspec_kw={"height_ratios": [1, 2]}
    )
    t_audio = np.arange(samples.shape[0]) / sample_rate
    ax_wave.plot(t_audio, samples, color="#555", linewidth=0.4)
    ax_wave.set_ylabel("speech")
    ax_wave.set_yticks([])
    for seg in phones:
        if seg.label and seg.label not in ("", "SIL", "sil"):
            ax_wave.axvspan(seg.start, seg.end, color="#cde", alpha=0.4, linewidth=0)
            ax_wave.text((seg.start + seg.end) / 2, 0.9, seg.label, ha="center", va="top",
                         fontsize=7, transform=ax_wave.get_xaxis_transform())  # fmt: skip
    ax_open.plot(times, expected, color="black", linewidth=2, label="expected (from speech)")
    colours = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]
    for (name, values), colour in zip(measured.items(), colours, strict=False):
        v = np.asarray(values, np.float64)
        top = np.nanpercentile(v, 99) if np.isfinite(v).any() else 1.0
        ax_open.plot(times, v / max(top, 1e-6), color=colour, linewidth=1.2, label=name)
    ax_open.set_ylim(-0.05, 1.15)
    ax_open.set_ylabel("mouth opening (scaled)")
    ax_open.set_xlabel("time (s)")
    ax_open.legend(loc="upper right", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    with atomic_output(output) as tmp:
        fig.savefig(tmp, dpi=DPI, format="png")
    plt.close(fig)
    return Path(output)
