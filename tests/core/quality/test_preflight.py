"""Preflight on generated clips: each problem clip triggers its warning, and a clean 720p clip
with clean speech passes everything; the quick subset; bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from quality_media import ClipSpec, add_noise, room_tone, save_wav, speech, write_clip

from lipsync.core.errors import InputError, MediaNotFoundError, NoStreamError
from lipsync.core.quality import PASS, WARN, PreflightError, quick_preflight, run_preflight
from lipsync.core.quality.checks import FAIL
from lipsync.core.quality.preflight import format_check, raise_on_failure


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    """Clips of the speech's length (the lengths check passes), one problem each."""
    folder = tmp_path_factory.mktemp("preflight")
    samples, rate = speech(0.2)
    seconds = round(samples.shape[0] / rate, 2)
    files = {
        "speech": save_wav(folder / "speech.wav", samples, rate),
        "noisy": save_wav(folder / "noisy.wav", add_noise(samples, 10.0), rate),
        "silent": save_wav(folder / "silent.wav", *room_tone(seconds)),
    }
    specs = {
        "clean": ClipSpec(size=(1280, 720), seconds=seconds),
        "small": ClipSpec(size=(640, 360), seconds=seconds),
        "two": ClipSpec(two_faces=True, seconds=seconds),
        "turned": ClipSpec(angle=45.0, seconds=seconds),
        "dark": ClipSpec(gain=0.2, seconds=seconds),
    }
    for name, spec in specs.items():
        files[name] = write_clip(folder / f"{name}.mp4", spec)
    return files


def statuses(report) -> dict[str, str]:
    return {c.name: c.status for c in report.checks}


def test_clean_clip_passes_everything(media):
    report = run_preflight(media["clean"], media["speech"])
    assert statuses(report) == dict.fromkeys(statuses(report), PASS), [
        format_check(c) for c in report.problems
    ]
    assert len(report.checks) == 15 and report.status == PASS and not report.quick
    data = json.loads(json.dumps(report.to_json()))
    assert data["status"] == "pass" and len(data["checks"]) == 15
    raise_on_failure(report)  # nothing failed: no error


@pytest.mark.parametrize(
    ("clip", "audio", "check", "words"),
    [
        ("small", "speech", "resolution", "below 720p"),
        ("two", "speech", "several_faces", "2 faces"),
        ("turned", "speech", "head_pose", "roll"),
        ("dark", "speech", "exposure", "brightness"),
        ("clean", "noisy", "noise", "above the background"),
    ],
)
def test_each_problem_clip_warns(media, clip, audio, check, words):
    report = run_preflight(media[clip], media[audio])
    found = report.check(check)
    assert found.status == WARN, format_check(found)
    assert words in found.message and found.advice
    if found.group == "video":
        assert found.ranges and found.ranges[0].first_frame is not None


def test_no_speech_fails_and_strict_raises(media):
    report = run_preflight(media["clean"], media["silent"])
    assert report.check("speech").status == FAIL and report.status == FAIL
    with pytest.raises(PreflightError, match="speech present") as err:
        raise_on_failure(report)
    assert isinstance(err.value, InputError) and "--strict" in str(err.value)


def test_quick_subset_on_files_and_on_samples(media):
    quick = quick_preflight(media["two"], media["speech"])
    assert quick.quick and quick.check("several_faces").status == WARN
    assert quick.check("head_motion").message.startswith("Not measured")
    samples, rate = speech()
    noisy = quick_preflight(None, add_noise(samples, 10.0), sample_rate=rate, video_duration=9.0)
    assert statuses(noisy)["noise"] == WARN and statuses(noisy)["lengths"] == WARN
    assert [c.group for c in noisy.checks] == ["audio"] * 4 + ["timing"]
    video_only = quick_preflight(media["small"], None)
    assert {c.group for c in video_only.checks} == {"video"}


def test_progress_is_reported_by_stage(media):
    seen: dict[str, int] = {}
    run_preflight(
        media["small"], media["speech"], on_progress=lambda s, d, t: seen.__setitem__(s, d)
    )
    assert seen["Checking the picture"] >= 20 and seen["Checking the sound"] == 2


def test_bad_input_is_one_clear_error(media, tmp_path):
    with pytest.raises(InputError, match="Nothing to check"):
        run_preflight(None, None)
    with pytest.raises(MediaNotFoundError, match="does not exist"):
        run_preflight(media["clean"], tmp_path / "missing.wav")
    with pytest.raises(NoStreamError, match="no video stream"):
        run_preflight(media["speech"], None)
    silent_video = write_clip(tmp_path / "mute.mp4", ClipSpec(seconds=0.2))
    with pytest.raises(NoStreamError, match="audio"):
        run_preflight(None, silent_video)
    with pytest.raises(InputError):
        quick_preflight(None, np.zeros((2, 3, 4), np.float32))
