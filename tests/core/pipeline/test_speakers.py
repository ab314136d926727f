"""Telling speakers apart by voice, and the speaker -> voice map."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.core.errors import InputError
from lipsync.core.pipeline.segments import Segment
from lipsync.core.pipeline.speakers import label_speakers, median_f0, speaker_pitch
from lipsync.core.pipeline.voices import (
    Voice,
    choose_voices,
    espeak_pitch,
    parse_voice_option,
    read_voice_map,
    voices_to_json,
)
from lipsync.core.speech import synthesize

SENTENCES = ("The weather is nice today.", "I would like a cup of tea.", "Where is the station?",
             "We walked along the river.")  # fmt: skip


def test_two_voices_are_told_apart_by_clustering():
    rate = 16_000
    pieces, segs, t = [], [], 0.0
    voices = ["en+m3", "en+f3", "en+f3", "en+m3"]
    for k, (text, voice) in enumerate(zip(SENTENCES, voices, strict=True)):
        s = synthesize(text, "en", voice=voice)
        x = np.interp(np.arange(0, len(s.samples), s.sample_rate / rate),
                      np.arange(len(s.samples)), s.samples).astype(np.float32)  # fmt: skip
        pieces += [x, np.zeros(rate // 2, np.float32)]
        segs.append(Segment(k + 1, t, t + len(x) / rate, text))
        t += (len(x) + rate // 2) / rate
    audio = np.concatenate(pieces)
    labelled = label_speakers(segs, audio, rate, 2)
    assert [s.speaker for s in labelled] == ["S1", "S2", "S2", "S1"]
    pitch = speaker_pitch(labelled, audio, rate)
    assert pitch["S1"] < 140 < 165 < pitch["S2"]
    chosen = choose_voices(["S1", "S2"], pitch)
    assert chosen["S1"].variant.startswith("m") and chosen["S2"].variant.startswith("f")


def test_espeak_pitch_setting_matches_the_speaker():
    for f0, female in ((85.0, False), (120.0, False), (230.0, True)):
        voice = Voice(variant="f3" if female else "m3", pitch=espeak_pitch(f0, female))
        s = synthesize("Hello everyone, how are you?", "en", voice=voice.espeak_name("en"),
                       pitch=voice.pitch)  # fmt: skip
        assert median_f0(s.samples, s.sample_rate) == pytest.approx(f0, rel=0.12)


def test_the_voice_map_is_kept_and_reused(tmp_path):
    first = choose_voices(["S1", "S2"], {"S1": 110.0, "S2": 210.0})
    path = tmp_path / "voices.json"
    path.write_text(voices_to_json(first), encoding="utf-8")
    again = choose_voices(["S2", "S1", "S3"], {"S3": 100.0}, read_voice_map(path))
    assert again["S1"] == first["S1"] and again["S2"] == first["S2"]
    assert again["S3"].variant not in (first["S1"].variant, first["S2"].variant)


def test_voice_options():
    assert parse_voice_option("S1=f2") == ("S1", Voice(variant="f2"))
    assert parse_voice_option("ALICE=es+m3,pitch=40,rate=160") == (
        "ALICE", Voice(name="es+m3", pitch=40, rate=160)
    )  # fmt: skip
    assert parse_voice_option("S2=coqui:Ana Florence")[1].speaker == "Ana Florence"
    for bad in ("S1", "=f2", "S1=f2,speed=3"):
        with pytest.raises(InputError, match="--voice"):
            parse_voice_option(bad)


def test_a_damaged_voice_map_is_one_sentence(tmp_path):
    path = tmp_path / "voices.json"
    path.write_text('{"format": "other"}', encoding="utf-8")
    with pytest.raises(InputError, match="is not a lipsync voice map"):
        read_voice_map(path)
