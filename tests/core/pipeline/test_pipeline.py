"""The translation pipeline end to end, offline: pocketsphinx + translated subtitles +
espeak-ng + lip sync on a generated clip with a face; resuming after an edit; two speakers
with two voices; a line that cannot fit."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from translate_media import Line, make_clip

from lipsync.core.errors import InputError
from lipsync.core.media import load_audio, probe
from lipsync.core.pipeline import TranslateOptions, translate_video
from lipsync.core.pipeline import fitting as F
from lipsync.core.pipeline.subtitles import read_subtitles
from lipsync.core.speech import read_sidecar


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("clip"))


def test_offline_end_to_end_with_lip_sync(clip, tmp_path):
    out = tmp_path / "talk_es.mp4"
    stages: list[str] = []
    options = TranslateOptions(target="es", subtitles=clip.subtitles, workdir=tmp_path / "w")
    report = translate_video(
        clip.video, out, options, lambda stage, done, total: stages.append(stage)
    )
    for stage in ("Recognising speech", "Translating", "Synthesising", "Mixing"):
        assert stage in stages
    # the video: same frames and timing, lip-synced from the exact synthesis timing
    src, dst = probe(clip.video), probe(out)
    assert dst.video[0].frame_count == src.video[0].frame_count
    assert report.sync["mouth_source"] == "espeak"
    assert report.sync["rendered"] > 0.9 * src.video[0].frame_count
    # every delivered file
    for key in ("dub_audio", "source_srt", "source_vtt", "target_srt", "target_vtt", "report"):
        assert (tmp_path / report.outputs[key]).is_file(), key
    assert [c.text for c in read_subtitles(report.outputs["target_srt"])] == [
        "Hola a todos.", "Hoy hablamos de las estrellas."
    ]  # fmt: skip
    saved = json.loads(Path(report.outputs["report"]).read_text(encoding="utf-8"))
    assert saved["target_language"] == "es"
    # each line starts in its slot and fits it
    assert len(report.lines) == 2
    for line, (a, _) in zip(report.lines, clip.lines, strict=True):
        assert line["start"] == pytest.approx(a, abs=0.15)
        assert line["fit"]["status"] != F.TOO_LONG
        assert line["fit"]["duration"] <= line["end"] - line["start"] + F.borrowable(1.0) + 0.04
    # the dub is speech where the lines are, and the mix carries the exact phone timing
    dub = load_audio(report.outputs["dub_audio"], 16_000)
    start = int(report.lines[1]["start"] * 16_000)
    assert np.abs(dub[start : start + 8000]).max() > 0.05
    assert np.abs(dub[: int(0.2 * 16_000)]).max() < 1e-3
    assert read_sidecar(report.outputs["mix"]) is not None
    assert report.warnings == []


def test_resume_redoes_only_the_edited_line(clip, tmp_path, monkeypatch):
    work = tmp_path / "w"
    options = TranslateOptions(target="es", subtitles=clip.subtitles, workdir=work, lipsync=False)
    translate_video(clip.video, None, options)
    lines_before = {p.name: p.stat().st_mtime_ns for p in (work / "lines").glob("*.wav")}
    target = work / "target.srt"
    target.write_text(
        target.read_text(encoding="utf-8").replace("Hola a todos.", "Buenas tardes."),
        encoding="utf-8",
    )
    from lipsync.core.pipeline import asr_sphinx

    def no_recognition(*args, **kwargs):
        raise AssertionError("recognition ran again")

    monkeypatch.setattr(asr_sphinx.SphinxRecognizer, "transcribe", no_recognition)
    spoken: list[str] = []
    from lipsync.core.pipeline import tts_espeak

    real = tts_espeak.synthesize

    def spy(text, *args, **kwargs):
        spoken.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(tts_espeak, "synthesize", spy)
    report = translate_video(clip.video, None, options)
    assert set(spoken) == {"Buenas tardes."}
    assert report.lines[0]["target"] == "Buenas tardes."
    lines_after = {p.name: p.stat().st_mtime_ns for p in (work / "lines").glob("*.wav")}
    kept = set(lines_before) & set(lines_after)
    assert len(kept) == 1 and all(lines_before[n] == lines_after[n] for n in kept)
    assert len(lines_after) == 2


def test_two_speakers_get_two_voices(tmp_path):
    lines = (
        Line("Good morning.", "Buenos días.", "en+m3", 0.2),
        Line("Hello, how are you?", "Hola, ¿qué tal?", "en+f3", 1.6),
        Line("I am fine, thank you.", "Estoy bien, gracias.", "en+m3", 3.2),
    )
    clip = make_clip(tmp_path, lines, name="two")
    options = TranslateOptions(target="es", subtitles=clip.subtitles, speakers=2,
                               workdir=tmp_path / "w", lipsync=False)  # fmt: skip
    report = translate_video(clip.video, tmp_path / "two_es.mp4", options)
    speakers = [line["speaker"] for line in report.lines]
    assert speakers == ["S1", "S2", "S1"]
    voices = {line["speaker"]: line["voice"]["variant"] for line in report.lines}
    assert voices["S1"].startswith("m") and voices["S2"].startswith("f")
    saved = json.loads((tmp_path / "w" / "voices.json").read_text(encoding="utf-8"))
    assert saved["voices"]["S2"]["variant"] == voices["S2"]
    assert "[S2]" in (tmp_path / report.outputs["target_srt"]).read_text(encoding="utf-8")


def test_a_line_that_cannot_fit_is_reported(clip, tmp_path):
    long = tmp_path / "long.es.srt"
    text = clip.subtitles.read_text(encoding="utf-8").replace(
        "Hola a todos.",
        "Hola a todas y a todos los que nos acompañan esta tarde tan especial.",
    )
    long.write_text(text, encoding="utf-8")
    options = TranslateOptions(target="es", subtitles=long, workdir=tmp_path / "w", lipsync=False)
    report = translate_video(clip.video, None, options)
    first = report.lines[0]["fit"]
    assert first["status"] == F.TOO_LONG
    assert first["needed"] > F.MAX_STRETCH * F.MAX_NATIVE_RATE
    assert first["stretch"] == pytest.approx(F.MAX_STRETCH, abs=0.01)
    assert any("line 1 is too long" in w for w in report.warnings)


def test_bad_inputs_are_one_sentence(clip, tmp_path):
    with pytest.raises(InputError, match="No translation was given"):
        TranslateOptions(target="es")
    with pytest.raises(InputError, match="pocketsphinx recognises English only"):
        translate_video(clip.video, None, TranslateOptions(target="es", source="de",
                        subtitles=clip.subtitles, workdir=tmp_path / "w"))  # fmt: skip
    far = tmp_path / "far.srt"
    far.write_text("1\n00:10:00,000 --> 00:10:01,000\nNada.\n", encoding="utf-8")
    report_or_error = TranslateOptions(target="es", subtitles=far, workdir=tmp_path / "w2",
                                       lipsync=False)  # fmt: skip
    report = translate_video(clip.video, None, report_or_error)
    assert any("has no translation" in w for w in report.warnings)
    assert any("past the end of the video" in w for w in report.warnings)
