"""Overlapping subtitle cues are dubbed one after the other, never as two voices at once, and
the user is told once which cues overlapped and where they now start."""

from __future__ import annotations

import itertools
import logging

import pytest
from translate_media import make_clip

from lipsync.core.pipeline import TranslateOptions, translate_video
from lipsync.core.pipeline.segments import Segment, in_sequence
from lipsync.core.pipeline.subtitles import align_cues, parse_subtitles
from lipsync.otio_adapters.subtitles import parse_srt

OVERLAPPING = """1
00:00:01,000 --> 00:00:03,000
One.

2
00:00:02,500 --> 00:00:04,000
Two.

3
00:00:04,200 --> 00:00:05,000
Three.

4
00:00:04,300 --> 00:00:04,600
Four.
"""


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_later_cue_starts_when_the_earlier_ends_and_keeps_its_length(caplog):
    with caplog.at_level(logging.WARNING, logger="lipsync"):
        cues = parse_subtitles(OVERLAPPING, "'x.srt'")
    spans = [(c.start, c.end) for c in cues]
    assert [c.text for c in cues] == ["One.", "Two.", "Three.", "Four."]
    assert sum(spans, ()) == pytest.approx((1.0, 3.0, 3.0, 4.5, 4.5, 5.3, 5.3, 5.6))
    for a, b in itertools.pairwise(spans):
        assert b[0] >= a[1]
    (message,) = warnings_of(caplog)
    assert message.startswith("'x.srt': cue 2 (00:00:02.500-00:00:04.000) starts before cue 1")
    assert "so it starts at 00:00:03.000" in message
    assert "cue 3 (00:00:04.200-00:00:05.000)" in message and "at 00:00:04.500" in message
    assert "cue 4 (00:00:04.300-00:00:04.600) starts before cue 3 ends" in message
    assert "one after the other" in message and "\n" not in message


def test_cues_that_only_touch_are_left_alone(caplog):
    text = "1\n00:00:01,000 --> 00:00:02,000\nA.\n\n2\n00:00:02,000 --> 00:00:03,000\nB.\n"
    with caplog.at_level(logging.WARNING, logger="lipsync"):
        cues = parse_subtitles(text, "'x.srt'")
    assert [(c.start, c.end) for c in cues] == [(1.0, 2.0), (2.0, 3.0)]
    assert warnings_of(caplog) == []


def test_a_cue_inside_a_longer_one_is_placed_after_it():
    spans = [Segment(0, 0.0, 10.0, "long"), Segment(0, 2.0, 3.0, "inside"),
             Segment(0, 4.0, 5.0, "inside too")]  # fmt: skip
    timed, moves = in_sequence(spans)
    assert [(s.start, s.end) for s in timed] == [(0.0, 10.0), (10.0, 11.0), (11.0, 12.0)]
    assert [(m.position, m.after, m.new_start) for m in moves] == [(2, 1, 10.0), (3, 2, 11.0)]


def test_more_overlaps_than_listed_are_counted(caplog):
    blocks = [f"{k}\n00:00:0{k},000 --> 00:00:09,000\nL{k}.\n" for k in range(1, 8)]
    with caplog.at_level(logging.WARNING, logger="lipsync"):
        parse_subtitles("\n".join(blocks), "'many.srt'")
    (message,) = warnings_of(caplog)
    assert "and 2 more cues were moved the same way" in message


def test_translated_lines_widened_over_each_other_are_put_in_sequence(caplog):
    segments = [Segment(1, 1.0, 2.0, "a"), Segment(2, 2.2, 3.0, "b")]
    cues = parse_subtitles("1\n00:00:01,000 --> 00:00:02,150\nA.\n\n"
                           "2\n00:00:02,200 --> 00:00:03,000\nB.\n")  # fmt: skip
    cues = (cues[0].__class__(1.0, 2.6, "A."), cues[1])  # the first cue spills into line 2
    with caplog.at_level(logging.WARNING, logger="lipsync"):
        out = align_cues(segments, cues)
    assert [s.target for s in out] == ["A.", "B."]
    assert [x for s in out for x in (s.start, s.end)] == pytest.approx([1.0, 2.6, 2.6, 3.4])
    assert any("The translated lines: line 2" in m for m in warnings_of(caplog))


def test_the_timeline_keeps_the_times_and_warns(caplog):
    with caplog.at_level(logging.WARNING, logger="lipsync"):
        doc = parse_srt(OVERLAPPING, "'x.es.srt'")
    assert [(c.start, c.end) for c in doc.cues][:2] == [(1000, 3000), (2500, 4000)]
    (message,) = warnings_of(caplog)
    assert "cue 2 (00:00:02.500-00:00:04.000) starts before cue 1 ends at 00:00:03.000" in message
    assert "cue 4" in message and "markers keep these times" in message


def test_translate_never_speaks_two_lines_at_once(tmp_path, caplog):
    clip = make_clip(tmp_path)
    (a0, a1), _ = clip.lines
    srt = tmp_path / "overlap.es.srt"
    srt.write_text(  # the second cue starts half way through the first
        f"1\n{stamp(a0)} --> {stamp(a1)}\nHola a todos.\n\n"
        f"2\n{stamp((a0 + a1) / 2)} --> {stamp((a0 + a1) / 2 + 1.6)}\nHoy hablamos.\n",
        encoding="utf-8",
    )
    options = TranslateOptions(target="es", asr="none", subtitles=srt, workdir=tmp_path / "w",
                               lipsync=False)  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="lipsync"):
        report = translate_video(clip.video, None, options)
    first, second = report.lines
    assert second["start"] == pytest.approx(first["end"], abs=0.002)
    assert first["start"] + first["fit"]["duration"] <= second["start"] + 0.01
    assert sum("starts before cue 1 ends" in m for m in warnings_of(caplog)) == 1


def stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"00:00:{ms // 1000:02d},{ms % 1000:03d}"
