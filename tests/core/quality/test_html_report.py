"""The HTML report: one self-contained page (no external references, no scripts), every check
on it, escaped text; and the page opened from disk in a real headless browser."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest
from quality_media import CHROMIUM, CHROMIUM_SKIP, browse, speech

from lipsync.core.quality import render_html, write_html
from lipsync.core.quality.checks import WARN, Check, time_range
from lipsync.core.quality.checks_audio import audio_checks, measure_audio
from lipsync.core.quality.checks_video import video_checks
from lipsync.core.quality.preflight import PreflightReport, check_lengths
from lipsync.core.quality.run_report import AvOffset, RunAnalysis, ShotReport, Thumbnail
from lipsync.core.quality.sampling import FaceLight, FaceSample, FrameSample, VideoSamples

PNG = b"\x89PNG\r\n\x1a\n"


def png(colour: tuple[int, int, int], size=(80, 60)) -> bytes:
    image = np.zeros((size[1], size[0], 3), np.uint8)
    image[:] = colour
    return cv2.imencode(".png", image)[1].tobytes()


@pytest.fixture(scope="module")
def preflight() -> PreflightReport:
    """Every check, as the real check functions give them."""
    light = FaceLight(150.0, 0.0, 0.9, 2.0)
    faces = [FaceSample(0, (100.0, 100.0, 250.0, 250.0), 0, 0, 0, 1.0, 1.0, light)]
    frames = tuple(FrameSample(i * 6, i * 0.25, tuple(faces)) for i in range(8))
    video = VideoSamples("clip.mp4", 640, 360, 25.0, 2.0, 50, 0.25, frames)
    samples, rate = speech(0.2)
    checks = [*video_checks(video), *audio_checks(measure_audio(samples, rate), 25.0)]
    checks.append(check_lengths(2.0, 2.05, 25.0))
    checks.append(
        Check(
            "custom",
            "Tricky <title>",
            "video",
            WARN,
            "A & B <b>not bold</b>.",
            'Do "x".',
            (time_range(0.5, 1.0, 25.0),),
        )
    )
    return PreflightReport("clip <1>.mp4", "line.wav", tuple(checks), quick=False, seconds=0.4)


@pytest.fixture(scope="module")
def analysis() -> RunAnalysis:
    times = np.arange(50) / 25.0
    expected = np.clip(np.sin(times * 6), 0, 1)
    return RunAnalysis(
        frames=50,
        rendered=44,
        passed_through={"no_face": 4, "turned_away": 2},
        offset=AvOffset(0.004, 0, 0.87, "mouth track"),
        shots=(ShotReport(0, 0.0, 2.0, 0, 49, 0.92, 0.99, 0.87, 0.79),),
        thumbnails=(Thumbnail(12, 0.48, 0.3, png((200, 40, 40)), png((40, 40, 200))),),
        times=times,
        expected=expected,
        measured=expected * 0.4,
        plot=png((255, 255, 255), (300, 120)),
    )


def test_page_is_self_contained_and_lists_every_check(preflight, analysis):
    sync = {"output": "out.mp4", "renderer": "warp", "warnings": ["0.20 s of speech was cut."]}
    page = render_html(preflight, analysis, sync=sync)
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["'](?!data:)""", page), "an external reference"
    assert page.count("data:image/png;base64,") == 3  # two thumbnails and the plot
    for check in preflight.checks:
        assert f'id="check-{check.name}"' in page
    assert "Tricky &lt;title&gt;" in page and "&lt;b&gt;not bold&lt;/b&gt;" in page
    assert "clip &lt;1&gt;.mp4" in page and "<b>not bold" not in page
    for text in (
        "Audio-visual offset",
        "+4 ms",
        "4 no face found",
        "2 head turned away",
        "Per-shot confidence",
        "0.79",
        "0.20 s of speech was cut.",
    ):
        assert text in page, text


def test_page_without_a_run_or_measures(preflight, tmp_path):
    page = render_html(preflight)
    assert 'id="run"' not in page and 'id="preflight"' in page
    nan = AvOffset(float("nan"), 0, float("nan"), "mouth track")
    empty = RunAnalysis(3, 0, {"no_face": 3}, nan, (), (), np.zeros(3), np.zeros(3), np.zeros(3))
    page = render_html(None, empty)
    assert "not measured" in page and 'id="preflight"' not in page
    out = write_html(tmp_path / "r.html", page)
    assert out.read_text(encoding="utf-8") == page
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary file left


@pytest.mark.browser
def test_page_opens_in_a_real_browser(preflight, analysis, tmp_path):
    if CHROMIUM is None:
        pytest.skip(CHROMIUM_SKIP)
    page = write_html(tmp_path / "report.html", render_html(preflight, analysis))
    shot, text = browse(page, tmp_path / "browser")
    assert shot.startswith(PNG) and len(shot) > 10_000
    image = cv2.imdecode(np.frombuffer(shot, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and image.std() > 10  # something was drawn, not a blank page
    for check in preflight.checks:
        assert check.title in text, check.title
        assert check.message in text, check.message
    assert "Audio-visual offset" in text and "Per-shot confidence" in text
