"""The checks as pure functions: verdict types, the audio checks on generated sound (espeak-ng
speech, noise, tones, music), the picture checks on hand-made samples, the lengths check."""

from __future__ import annotations

import numpy as np
import pytest
from quality_media import add_noise, room_tone

from lipsync.core.quality.checks import (
    FAIL,
    PASS,
    WARN,
    Check,
    grade,
    ranges_from_mask,
    summarise,
    time_range,
    worst,
)
from lipsync.core.quality.checks_audio import audio_checks, measure_audio
from lipsync.core.quality.checks_video import video_checks
from lipsync.core.quality.preflight import check_lengths
from lipsync.core.quality.sampling import FaceLight, FaceSample, FrameSample, VideoSamples
from lipsync.core.types import FaceObservation

RATE = 16000


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


# --- verdicts ---------------------------------------------------------------------------------


def test_ranges_merge_drop_and_carry_frames():
    times = np.arange(10) * 0.25
    mask = np.array([1, 1, 0, 1, 0, 0, 0, 1, 0, 0], bool)
    ranges = ranges_from_mask(times, mask, 0.25, fps=25, merge_gap=0.3)
    assert [(r.start, r.end) for r in ranges] == [(0.0, 1.0), (1.75, 2.0)]
    assert (ranges[0].first_frame, ranges[0].last_frame) == (0, 24)
    assert ranges_from_mask(times, mask, 0.25, min_length=0.5) == (time_range(0.0, 0.5),)
    assert str(ranges[1]) == "1.8–2.0 s (frames 44–49)"
    assert ranges[0].to_json() == {"start": 0.0, "end": 1.0, "frames": [0, 24]}


def test_statuses_grade_and_summary():
    assert worst([PASS, WARN, PASS]) == WARN and worst([]) == PASS and worst([WARN, FAIL]) == FAIL
    assert grade(5, 10, 20) == PASS and grade(10, 10, 20) == WARN and grade(25, 10, 20) == FAIL
    assert grade(5, 20, 8, higher_is_worse=False) == FAIL
    assert grade(float("nan"), 1, 2) == PASS
    checks = [Check("a", "A", "video", s, "m") for s in (PASS, PASS, WARN)]
    assert summarise(checks) == "2 passed, 1 warning, 0 failed"
    with pytest.raises(ValueError, match="status"):
        Check("a", "A", "video", "ok", "m")
    data = Check("a", "A", "video", WARN, "m", values={"x": np.float32(0.5), "n": float("nan")})
    assert data.to_json()["values"] == {"x": 0.5, "n": None}


# --- audio --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def speech():
    from quality_media import speech as make_speech

    return make_speech(0.3)


def test_clean_speech_passes_every_audio_check(speech):
    samples, rate = speech
    checks = by_name(audio_checks(measure_audio(samples, rate), fps=25))
    assert {c.status for c in checks.values()} == {PASS}, checks
    assert checks["noise"].values["snr_db"] > 30
    assert 3.0 < checks["speech_rate"].values["syllables_per_second"] < 7.0
    assert checks["speech"].ranges and checks["speech"].ranges[0].first_frame is not None


def test_noisy_speech_warns_about_noise(speech):
    samples, rate = speech
    checks = by_name(audio_checks(measure_audio(add_noise(samples, 10.0), rate)))
    assert checks["speech"].status == PASS
    assert checks["noise"].status == WARN and 8 < checks["noise"].values["snr_db"] < 20
    assert checks["background"].status == WARN and checks["background"].values["kind"] == "noise"
    assert checks["noise"].advice


def test_music_under_the_speech_is_named(speech):
    samples, rate = speech
    t = np.arange(samples.shape[0]) / rate
    notes = 220 * 2 ** (np.array([0, 4, 7, 12, 7, 4, 0, 5]) / 12)
    pitch = notes[(t * 4).astype(int) % len(notes)]
    music = np.sin(2 * np.pi * np.cumsum(pitch) / rate).astype(np.float32)
    level = np.sqrt(np.mean(samples[np.abs(samples) > 0.01] ** 2)) / 10 ** (20 / 20)
    checks = by_name(audio_checks(measure_audio(samples + level * music, rate)))
    assert checks["background"].status == WARN
    assert checks["background"].values["kind"] == "music"
    assert "Music" in checks["background"].message


@pytest.mark.parametrize(
    ("name", "words"),
    [("silence", "No speech"), ("room tone", "No speech"), ("tone", "steady tone")],
)
def test_no_speech_fails(name, words):
    if name == "silence":
        samples = np.zeros(2 * RATE, np.float32)
    elif name == "room tone":
        samples, _ = room_tone(2.0, RATE)
    else:
        samples = (0.3 * np.sin(2 * np.pi * 440 * np.arange(2 * RATE) / RATE)).astype(np.float32)
    checks = by_name(audio_checks(measure_audio(samples, RATE)))
    assert checks["speech"].status == FAIL and words in checks["speech"].message
    assert checks["speech"].advice
    for other in ("noise", "background", "speech_rate"):
        assert checks[other].status == PASS and "Not measured" in checks[other].message


def test_fast_speech_warns():
    from lipsync.core.speech import synthesize

    syn = synthesize("Bob bought a big map of Paris for the trip.", "en-us", rate=420)
    check = by_name(audio_checks(measure_audio(syn.samples, syn.sample_rate)))["speech_rate"]
    assert check.status == WARN, check
    assert check.values["syllables_per_second"] > 7.5


def test_measures_accept_stereo_and_integers(speech):
    samples, rate = speech
    stereo = (np.stack([samples, samples], axis=1) * 32000).astype(np.int16)
    checks = by_name(audio_checks(measure_audio(stereo, rate)))
    assert checks["speech"].status == PASS


# --- picture ------------------------------------------------------------------------------------


def face(
    tid=0,
    x=100.0,
    h=150.0,
    yaw=0.0,
    pitch=0.0,
    roll=0.0,
    conf=1.0,
    mouth=1.0,
    luma=150.0,
    clipped=0.0,
    side=0.9,
    contrast=2.0,
):
    light = FaceLight(luma, clipped, side, contrast)
    return FaceSample(tid, (x, 100.0, x + h, 100.0 + h), yaw, pitch, roll, conf, mouth, light)


def samples_of(faces_per_sample, size=(1280, 720), step=0.25):
    frames = tuple(
        FrameSample(round(i * step * 25), i * step, tuple(f))
        for i, f in enumerate(faces_per_sample)
    )
    n = len(frames)
    return VideoSamples("clip.mp4", *size, 25.0, n * step, round(n * step * 25), step, frames)


def statuses(v: VideoSamples) -> dict[str, str]:
    return {c.name: c.status for c in video_checks(v)}


def test_a_good_shot_passes_every_picture_check():
    assert set(statuses(samples_of([[face()]] * 8)).values()) == {PASS}


@pytest.mark.parametrize(
    ("kwargs", "name", "status"),
    [
        ({"h": 60.0}, "face_size", WARN),
        ({"h": 30.0}, "face_size", FAIL),
        ({"yaw": 30.0}, "head_pose", WARN),
        ({"yaw": 55.0}, "head_pose", FAIL),
        ({"pitch": -35.0}, "head_pose", WARN),
        ({"roll": 45.0}, "head_pose", WARN),
        ({"conf": 0.2}, "occlusion", FAIL),
        ({"mouth": 0.2}, "occlusion", FAIL),
        ({"luma": 35.0}, "exposure", WARN),
        ({"luma": 12.0}, "exposure", FAIL),
        ({"luma": 240.0}, "exposure", WARN),
        ({"clipped": 0.4}, "exposure", WARN),
        ({"side": 0.3}, "shadows", WARN),
        ({"contrast": 9.0}, "shadows", WARN),
    ],
)
def test_each_picture_problem_is_found(kwargs, name, status):
    result = statuses(samples_of([[face(**kwargs)]] * 8))
    assert result[name] == status
    assert {s for n, s in result.items() if n != name} == {PASS}


def test_a_problem_in_a_few_frames_warns_with_its_range():
    frames = [[face()]] * 6 + [[face(yaw=32.0)]] * 2 + [[face()]] * 4
    check = by_name(video_checks(samples_of(frames)))["head_pose"]
    assert check.status == WARN
    assert [(r.start, r.end) for r in check.ranges] == [(1.5, 2.0)]


def test_presence_several_faces_motion_and_resolution():
    gaps = samples_of([[face()], [], [], [face()], [face()], [face()]])
    check = by_name(video_checks(gaps))["face_presence"]
    assert check.status == WARN and [(r.start, r.end) for r in check.ranges] == [(0.25, 0.75)]
    assert statuses(samples_of([[]] * 4))["face_presence"] == FAIL
    two = by_name(video_checks(samples_of([[face(0, x=100), face(1, x=800)]] * 4)))
    assert two["several_faces"].status == WARN
    assert two["several_faces"].values["ids"] == [0, 1] and "--face" in two["several_faces"].advice
    moving = [[face(x=100.0 + 400 * (i % 2))] for i in range(6)]
    assert statuses(samples_of(moving))["head_motion"] == WARN
    sparse = samples_of(moving, step=1.0)
    assert by_name(video_checks(sparse))["head_motion"].message.startswith("Not measured")
    assert statuses(samples_of([[face()]] * 4, size=(640, 360)))["resolution"] == WARN
    assert statuses(samples_of([[face()]] * 4, size=(320, 180)))["resolution"] == FAIL


@pytest.mark.parametrize(("order", "first"), [("tt", "top"), ("tb", "top"), ("bb", "bottom"),
                                              ("bt", "bottom")])  # fmt: skip
def test_interlaced_footage_is_said_and_what_follows(order, first):
    import dataclasses

    v = dataclasses.replace(samples_of([[face()]] * 4), field_order=order)
    (check,) = [c for c in video_checks(v) if c.name == "interlacing"]
    assert check.status == WARN and check.values == {"field_order": order}
    assert f"{first} field first" in check.message and "25 times a second, not 50" in check.message
    assert "bwdif" in check.advice and check.ranges
    assert statuses(samples_of([[face()]] * 4))["interlacing"] == PASS


def test_face_light_measures_the_face_region():
    from lipsync.core.quality.sampling import face_light

    image = np.full((200, 200, 3), 180, np.uint8)
    image[:, 100:] = 40  # the image-right half of the face in shadow
    landmarks = {"nose": np.array([[100.0, 60.0]] * 9, np.float32)}
    light = face_light(image, FaceObservation((50.0, 50.0, 150.0, 150.0), landmarks))
    assert light.side_ratio == pytest.approx(40 / 180, abs=0.02)
    assert light.contrast == pytest.approx(180 / 40, abs=0.1)
    assert light.clipped == 0.0


# --- lengths ------------------------------------------------------------------------------------


def test_lengths():
    assert check_lengths(2.0, 2.05, 25).status == PASS
    long = check_lengths(2.0, 2.6, 25)
    assert long.status == WARN and "0.60 s" in long.message and long.ranges[0].start == 2.0
    assert check_lengths(2.0, 5.0, 25).status == FAIL
    short = check_lengths(4.0, 2.0, 25)
    assert short.status == WARN and short.ranges[0].first_frame == 50
