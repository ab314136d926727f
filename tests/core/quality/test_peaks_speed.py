"""The preflight's peak finder (numpy only, so that starting the filter does not import
scipy.signal) finds exactly the peaks scipy.signal.find_peaks finds."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from scipy.signal import find_peaks as scipy_find_peaks

from lipsync.core.quality.peaks import find_peaks


def _signals() -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    out = []
    for n in (0, 1, 2, 3, 5, 40, 400, 5000):
        out.append(rng.normal(size=n))  # distinct values
        out.append(rng.integers(0, 4, size=n).astype(np.float64))  # plateaus and ties
    # a smoothed energy envelope in dB with flat floors, as checks_audio builds it
    energy = 20 * np.log10(np.abs(rng.normal(size=3000)) + 1e-3)
    smooth = np.convolve(energy, np.ones(7) / 7, mode="same")
    speaking = np.repeat(rng.random(60) < 0.7, 50)
    out.append(np.where(speaking, smooth, float(smooth.min())))
    spiky = rng.normal(size=300)
    spiky[[10, 11, 200]] = np.nan
    out.append(spiky)
    return out


@pytest.mark.parametrize("distance", [None, 1, 2.5, 7, 40])
@pytest.mark.parametrize("prominence", [None, 0.0, 0.5, 3.0])
def test_same_peaks_as_scipy(distance, prominence) -> None:
    for x in _signals():
        theirs, props = scipy_find_peaks(x, distance=distance, prominence=prominence)
        ours, mine = find_peaks(x, distance=distance, prominence=prominence)
        np.testing.assert_array_equal(ours, theirs)
        if prominence is not None:
            np.testing.assert_array_equal(mine["prominences"], props["prominences"])


def test_distance_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="distance"):
        find_peaks(np.zeros(5), distance=0.5)


def test_preflight_imports_no_scipy_signal(tmp_path) -> None:
    """The filter's command, and the preflight it runs on the speech before the first frame,
    load neither scipy.signal nor scipy.stats (a second of CPU at every start), and the
    preflight still counts the syllables."""
    from quality_media import save_wav, speech

    wav = save_wav(tmp_path / "speech.wav", *speech(0.3))
    code = (
        "import sys\n"
        "import lipsync.cli.filter, lipsync.integrations.ffmpeg.filter\n"
        "from lipsync.core.quality import quick_preflight\n"
        f"report = quick_preflight(None, {str(wav)!r})\n"
        "rate = [c for c in report.checks if c.name == 'speech_rate'][0]\n"
        "print(rate.values['syllables_per_second'] > 2)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('scipy.signal', 'scipy.stats'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["True", "[]"], out.stdout
