"""SubRip and WebVTT in and out, speaker labels, and aligning translated cues to lines."""

from __future__ import annotations

import pytest

from lipsync.core.errors import InputError
from lipsync.core.pipeline.segments import Segment, gaps_after
from lipsync.core.pipeline.subtitles import (
    Cue,
    align_cues,
    format_srt,
    format_vtt,
    parse_subtitles,
    split_speaker,
)

CUES = (Cue(0.5, 1.75, "Hola a todos.", "ALICE"), Cue(2.0, 3.5, "¿Qué tal?\nBien.", "Bob"))


@pytest.mark.parametrize("fmt", [format_srt, format_vtt])
def test_round_trip_with_speakers(fmt):
    assert parse_subtitles(fmt(CUES, with_speaker=True)) == CUES
    plain = parse_subtitles(fmt(CUES))
    assert [c.text for c in plain] == [c.text for c in CUES]
    assert all(c.speaker is None for c in plain)


def test_srt_text_is_parsed_with_crlf_and_bom():
    text = "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\nBOB: Hello there\r\n\r\n"
    assert parse_subtitles(text) == (Cue(1.0, 2.5, "Hello there", "BOB"),)


@pytest.mark.parametrize(
    ("text", "speaker", "rest"),
    [("ALICE: hi", "ALICE", "hi"), ("[Bob] hi", "Bob", "hi"), ("<v Ann>hi</v>", "Ann", "hi"),
     ("It is 10: late", None, "It is 10: late"), ("just text", None, "just text")],
)  # fmt: skip
def test_speaker_labels(text, speaker, rest):
    assert split_speaker(text) == (speaker, rest)


def test_a_bad_timing_line_names_the_file_and_line():
    with pytest.raises(InputError, match=r"subs.srt', line 2: '00:00:01 --> 2'"):
        parse_subtitles("1\n00:00:01 --> 2\nhi\n", where="'subs.srt'")
    with pytest.raises(InputError, match="no subtitle cue"):
        parse_subtitles("just words\n", where="'x.srt'")


def test_cues_align_to_the_segments_they_overlap_most():
    segs = (Segment(1, 0.4, 1.8, "hello all"), Segment(2, 2.1, 3.6, "how are you"),
            Segment(3, 5.0, 6.0, "not subtitled"))  # fmt: skip
    cues = (Cue(0.5, 1.2, "Hola", "A"), Cue(1.2, 1.9, "a todos.", None),
            Cue(2.0, 3.5, "¿Qué tal?", "B"), Cue(8.0, 9.0, "Extra.", None))  # fmt: skip
    out = align_cues(segs, cues)
    assert [(s.target, s.speaker) for s in out] == [
        ("Hola a todos.", "A"), ("¿Qué tal?", "B"), (None, "S1"), ("Extra.", "S1")
    ]  # fmt: skip
    assert out[0].end == pytest.approx(1.9) and out[1].start == pytest.approx(2.0)
    assert [s.index for s in out] == [1, 2, 3, 4]
    assert gaps_after(out, 10.0) == pytest.approx([0.1, 1.4, 2.0, 1.0])


def test_subtitle_markers_of_an_otio_timeline_are_cues_with_speakers(tmp_path):
    import opentimelineio as otio

    from lipsync.core.pipeline.subtitles import read_subtitles

    srt = tmp_path / "talk.es.srt"
    srt.write_text(
        "1\n00:00:01,000 --> 00:00:02,500\n[ANA] Hola a todos.\n\n"
        "2\n00:00:03,000 --> 00:00:04,000\nBOB: Bienvenidos.\n",
        encoding="utf-8",
    )
    timeline = otio.adapters.read_from_file(str(srt), adapter_name="srt")  # our OTIO plugin
    otio.adapters.write_to_file(timeline, str(tmp_path / "talk.otio"))
    cues = read_subtitles(tmp_path / "talk.otio")
    assert [(c.start, c.end, c.text, c.speaker) for c in cues] == [
        (1.0, 2.5, "Hola a todos.", "ANA"),
        (3.0, 4.0, "Bienvenidos.", "BOB"),
    ]
    foreign = otio.schema.Timeline()
    foreign.tracks.markers.append(
        otio.schema.Marker(
            "CARLA: Buenas noches.",
            otio.opentime.TimeRange(
                otio.opentime.RationalTime(50, 25), otio.opentime.RationalTime(25, 25)
            ),
        )
    )
    otio.adapters.write_to_file(foreign, str(tmp_path / "foreign.otio"))
    (cue,) = read_subtitles(tmp_path / "foreign.otio")
    assert (cue.start, cue.end, cue.text, cue.speaker) == (2.0, 3.0, "Buenas noches.", "CARLA")
    otio.adapters.write_to_file(otio.schema.Timeline(), str(tmp_path / "empty.otio"))
    with pytest.raises(InputError, match="no subtitle markers"):
        read_subtitles(tmp_path / "empty.otio")
