"""After a run: the offset by cross-correlation, cuts, thumbnails, and a real engine run on a
two-shot clip analysed through the engine's public report only."""

from __future__ import annotations

import json

import numpy as np
import pytest
from quality_media import FPS, ClipSpec, save_wav, speech, write_clip

from lipsync.core.quality.run_report import (
    analyse_run,
    estimate_offset,
    lag_correlations,
    pick_widest,
)
from lipsync.core.shots import find_cuts

PNG = b"\x89PNG\r\n\x1a\n"


def bumps(n: int, seed: int = 0) -> np.ndarray:
    """A mouth-like opening series: smoothed random syllables."""
    rng = np.random.default_rng(seed)
    x = np.convolve(rng.random(n) ** 4, np.hanning(7), mode="same")
    return x / x.max()


@pytest.mark.parametrize("shift", [-4, -1, 0, 3])
def test_offset_finds_a_known_shift(shift):
    expected = bumps(200)
    measured = np.roll(expected, shift) * 0.3 + 0.1  # scale and offset do not matter
    measured[:5] = np.nan  # frames without a face
    offset = estimate_offset(measured, expected, 25.0, "mouth track")
    assert offset.frames == shift
    assert offset.seconds == pytest.approx(shift / 25.0, abs=0.01)
    assert offset.correlation > 0.95


def test_offset_without_data_is_nan():
    flat = estimate_offset(np.full(50, np.nan), bumps(50), 25.0, "mouth track")
    assert np.isnan(flat.seconds) and np.isnan(flat.correlation)
    assert flat.to_json()["seconds"] is None
    r = lag_correlations(np.ones(10), bumps(10), 2)
    assert r.shape == (5,) and np.isnan(r).all()


def test_cuts_and_widest_openings():
    change = np.array([0, 2, 3, 2, 60, 3, 2, 2, 2, 40, 35, 2], float)
    assert find_cuts(change) == [4, 9]
    aperture = np.array([0.1, 0.9, 0.85, 0.2, np.nan, 0.3, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.7])
    assert pick_widest(aperture, fps=10.0, count=3) == [1, 6, 12]
    assert pick_widest(np.full(4, np.nan), 10.0, 3) == []


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Lip-sync a two-shot clip (cut at 0.8 s) with the real engine; analyse the run."""
    from lipsync.core.engine import LipSyncEngine, SyncOptions

    folder = tmp_path_factory.mktemp("run")
    samples, rate = speech(0.2)
    audio = save_wav(folder / "line.wav", samples, rate)
    seconds = round(samples.shape[0] / rate, 2)
    video = write_clip(
        folder / "two_shots.mp4", ClipSpec(size=(480, 270), seconds=seconds, cut_at=0.8)
    )
    report = LipSyncEngine(SyncOptions(text="Mama made a map for Bob.", lang="en")).run(
        video, audio, folder / "out.mp4"
    )
    stages: set[str] = set()
    analysis = analyse_run(
        report,
        text="Mama made a map for Bob.",
        lang="en",
        on_progress=lambda stage, done, total: stages.add(stage),
    )
    return report, analysis, stages


def test_run_analysis_measures_the_result(run):
    report, analysis, stages = run
    assert analysis.frames == report.frames == len(analysis.times)
    assert analysis.rendered == report.rendered and analysis.passed_through == {}
    assert abs(analysis.offset.frames) <= 1, analysis.offset
    assert abs(analysis.offset.seconds) <= 1.5 / FPS and analysis.offset.correlation > 0.5
    assert [s.first_frame for s in analysis.shots] == [0, round(0.8 * FPS)]
    assert analysis.shots[-1].last_frame == report.frames - 1
    for shot in analysis.shots:
        assert shot.face_share == 1.0 and 0.3 < shot.confidence <= 1.0
    assert 1 <= len(analysis.thumbnails) <= 3
    for thumb in analysis.thumbnails:
        assert thumb.before.startswith(PNG) and thumb.after.startswith(PNG)
        assert thumb.before != thumb.after  # the mouth changed
    assert analysis.plot.startswith(PNG)
    assert {"Measuring the result", "Analysing speech for the report"} <= stages


def test_run_analysis_json(run):
    _, analysis, _ = run
    data = json.loads(json.dumps(analysis.to_json()))
    assert set(data) >= {
        "frames",
        "rendered",
        "passed_through",
        "av_offset",
        "shots",
        "thumbnails",
        "mouth_opening",
    }
    assert data["av_offset"]["reference"] == "mouth track"
    assert len(data["mouth_opening"]["measured"]) == data["frames"]
    assert "before" not in data["thumbnails"][0]  # images live in the HTML only
