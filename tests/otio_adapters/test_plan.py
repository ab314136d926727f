"""Working out a render from the timeline alone: tracks by name or number, media paths,
speed changes, what the dub plays where."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest
from otio_adapters.otiotools import RT, clip, tr

from lipsync.otio_adapters.conventions import find_track, url_to_path
from lipsync.otio_adapters.errors import TimelineError
from lipsync.otio_adapters.plan import (
    ClipWork,
    Skip,
    media_file,
    plan_clip,
    plan_dub,
    time_scalar,
)

VIDEO, AUDIO = otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio


def timeline_with(*tracks: tuple[str, str, str | None]) -> otio.schema.Timeline:
    tl = otio.schema.Timeline("t")
    for name, kind, role in tracks:
        track = otio.schema.Track(name, kind=kind)
        if role:
            track.metadata["lipsync"] = {"role": role}
        tl.tracks.append(track)
    return tl


def test_find_track_by_convention_name_and_number():
    tl = timeline_with(
        ("V1", VIDEO, None), ("picture", VIDEO, None), ("Music", AUDIO, None),
        ("Spanish", AUDIO, "dub"), ("Dub", AUDIO, None), ("Dub", VIDEO, None),
    )  # fmt: skip
    tracks = list(tl.tracks)
    find = find_track
    assert find(tl, None, VIDEO, "picture", "Picture", "x") is tracks[1]  # name, any case
    assert find(tl, None, AUDIO, "dub", "Dub", "x") is tracks[3]  # the role wins
    assert find(tl, "Dub", AUDIO, "dub", "Dub", "x") is tracks[4]
    assert find(tl, "dub", VIDEO, "picture", "Picture", "x") is tracks[5]
    assert find(tl, "A1", AUDIO, "dub", "Dub", "x") is tracks[2]
    assert find(tl, "2", AUDIO, "dub", "Dub", "x") is tracks[3]
    assert find(tl, "v3", VIDEO, "picture", "Picture", "x") is tracks[5]
    assert find(tl, "V1", VIDEO, "picture", "Picture", "x") is tracks[0]  # a name first
    assert find(timeline_with(("a", AUDIO, None)), None, AUDIO, "dub", "Dub", "x") is None
    with pytest.raises(TimelineError, match=r"no audio track 'A9'.*A1 \"Music\", A2 \"Spanish\""):
        find(tl, "A9", AUDIO, "dub", "Dub", "'t.otio'")
    with pytest.raises(TimelineError, match="no video track 'A1'"):
        find(tl, "A1", VIDEO, "picture", "Picture", "x")
    twice = timeline_with(("Dub", AUDIO, None), ("Dub", AUDIO, None))
    with pytest.raises(TimelineError, match="2 audio tracks named 'Dub'"):
        find(twice, "Dub", AUDIO, "dub", "Dub", "x")


def test_url_to_path(tmp_path):
    assert url_to_path("/media/a b.mov", tmp_path) == Path("/media/a b.mov")
    assert url_to_path("file:///media/a%20b.mov", None) == Path("/media/a b.mov")
    assert url_to_path("file://localhost/media/x.mov", None) == Path("/media/x.mov")
    assert url_to_path("media/x.mov", tmp_path) == tmp_path / "media" / "x.mov"
    assert url_to_path("C:\\Users\\x.mov", tmp_path) is None  # another OS's path
    assert url_to_path("file:///D:/media/x.mov", tmp_path) is None
    assert url_to_path("https://example.com/x.mov", tmp_path) is None
    assert url_to_path("", tmp_path) is None


def test_time_scalar():
    c = clip("c", "/x.mov", tr(0, 10))
    assert time_scalar(c) == (1.0, None)
    c.effects.append(otio.schema.Effect("grade", "Color"))
    c.effects.append(otio.schema.LinearTimeWarp("a", 2.0))
    c.effects.append(otio.schema.LinearTimeWarp("b", 0.75))
    assert time_scalar(c) == (1.5, None)
    for effect, words in (
        (otio.schema.FreezeFrame(), "freeze frame"),
        (otio.schema.LinearTimeWarp("r", -1.0), "reverse"),
        (otio.schema.TimeEffect("curve", "SpeedRamp"), "'SpeedRamp' is not supported"),
    ):
        c = clip("c", "/x.mov", tr(0, 10))
        c.effects.append(effect)
        scalar, why = time_scalar(c)
        assert scalar is None and words in why


def test_media_file_kinds(tmp_path):
    real = tmp_path / "real.mov"
    real.write_bytes(b"x")
    assert media_file(otio.schema.ExternalReference(str(real)), tmp_path) == (real, None)
    lost = otio.schema.MissingReference(metadata={"Resolve_OTIO": {"Media Url": str(real)}})
    assert media_file(lost, tmp_path) == (real, None)  # Resolve lost it; the file is here
    gone = otio.schema.MissingReference(metadata={"Resolve_OTIO": {"Media Url": "/no/x.mov"}})
    assert media_file(gone, tmp_path)[1] == Skip("missing", "no media is linked (was '/no/x.mov')")
    assert media_file(otio.schema.GeneratorReference(), tmp_path)[1].status == "skipped"
    seq = otio.schema.ImageSequenceReference("file:///no/", "f.", ".exr", rate=24)
    assert media_file(seq, tmp_path)[1].status == "missing"


def test_plan_dub_segments_and_problems(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(b"x")
    dub = otio.schema.Track("Dub", kind=AUDIO)
    dub.append(otio.schema.Gap(source_range=tr(0, 10)))
    fast = clip("fast", str(wav), tr(50, 10), tr(25, 100))  # record 10..20
    fast.effects.append(otio.schema.LinearTimeWarp("x", 1.5))
    dub.append(fast)
    dub.append(clip("muted", str(wav), tr(0, 5), enabled=False))  # 20..25: silence
    dub.append(clip("lost", str(tmp_path / "lost.wav"), tr(0, 5)))  # 25..30
    nested = otio.schema.Stack(name="nest")
    nested.append(otio.schema.Track("in", kind=AUDIO))
    nested[0].append(otio.schema.Gap(source_range=tr(0, 5)))
    dub.append(nested)  # 30..35
    held = clip("held", str(wav), tr(0, 5))  # 35..40
    held.effects.append(otio.schema.FreezeFrame())
    dub.append(held)
    plan = plan_dub([(dub, 'A1 "Dub"')], tmp_path)
    [seg] = plan.segments
    assert (seg.record_start, seg.record_end) == (0.4, 0.8)
    assert (seg.media_start, seg.media_origin, seg.scalar) == (2.0, 1.0, 1.5)
    assert plan.overlapping(0.0, 0.4) == () and plan.overlapping(0.79, 2) == (seg,)
    assert plan.overlapping(0.8, 2.0) == ()  # touching is not overlapping
    problems = [(p.record_start, p.status, p.reason) for p in plan.problems]
    assert [(s, st) for s, st, _ in problems] == [(1.0, "missing"), (1.2, "skipped"),
                                                  (1.4, "skipped")]  # fmt: skip
    assert "lost.wav" in problems[0][2] and "nested Stack 'nest'" in problems[1][2]
    assert plan.problem(0.8, 1.0) is None and plan.problem(0.9, 1.1).status == "missing"


def test_plan_clip_with_transitions_and_speed(tmp_path):
    media = tmp_path / "m.mov"
    media.write_bytes(b"x")
    track = otio.schema.Track("V", kind=VIDEO)
    track.append(clip("a", str(media), tr(10, 20), tr(0, 100)))  # record 0..20
    track.append(otio.schema.Transition("x", "SMPTE_Dissolve", RT(2, 25), RT(5, 25)))
    b = clip("b", str(media), tr(50, 10), tr(0, 100))  # record 20..30, at 2x
    b.effects.append(otio.schema.LinearTimeWarp("fast", 2.0))
    track.append(b)
    track.append(clip("off", str(media), tr(0, 5), tr(0, 100), enabled=False))
    a_work = plan_clip(track[0], 0.0, tmp_path)
    assert isinstance(a_work, ClipWork)
    assert (a_work.record_start, a_work.record_end) == (0.0, pytest.approx(25 / 25))
    assert a_work.media_start == 0.4 and a_work.media_duration == pytest.approx(1.0)
    b_work = plan_clip(track[2], 0.0, tmp_path)
    assert b_work.record_start == pytest.approx(18 / 25) and b_work.scalar == 2.0
    assert b_work.clip_media_start == 2.0 and b_work.clip_media_duration == pytest.approx(0.8)
    assert b_work.media_start == pytest.approx(2.0 - 2 / 25 * 2)
    assert plan_clip(track[3], 0.0, tmp_path) == Skip("skipped", "the clip is disabled")
