"""Rendering a timeline built with every OTIO feature over generated media: only the intended
clips get new media, everything else is unchanged, and a second render redoes only changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest
from mediatools import psnr
from otio_adapters.otiotools import (
    RATE,
    RT,
    as_json,
    assert_same_except_renders,
    clip,
    clips_by_name,
    dominant_frequency,
    picture,
    tone,
    tr,
    undo_render,
)

from lipsync.core.constants import DEFAULT_RENDERER
from lipsync.core.media import EncodeOptions, iter_frames, load_audio, probe
from lipsync.otio_adapters.conventions import lipsync_metadata
from lipsync.otio_adapters.render import RenderOptions, render_timeline
from lipsync.otio_adapters.timeline_io import read_timeline

OPTIONS = RenderOptions(
    handles=4, allow_no_face=True, encode=EncodeOptions(preset="ultrafast", crf=12)
)


def build_timeline(folder: Path) -> Path:
    """Everything an edit may hold (see the expected statuses in the test below)."""
    pic = picture(folder / "pic.mov", 4.0, timecode="01:00:00:00")  # frames 90000..90099
    (folder / "media").mkdir()
    picture(folder / "media" / "pic2.mp4", 3.0, source="testsrc")  # frames 0..74
    dub_a = tone(folder / "dub_a.wav", 440, 2.0)
    dub_b = tone(folder / "dub_b.wav", 660, 3.0)
    avail = tr(90000, 100)

    tl = otio.schema.Timeline(name="feature test", global_start_time=RT(90000, RATE))
    tl.metadata["Resolve_OTIO"] = {"Resolve OTIO Meta Version": "1.0", "Timeline": {"a": 1}}
    tl.metadata["studio"] = {"show": "dub", "nan": float("nan")}
    tl.tracks.markers.append(otio.schema.Marker("chapter", tr(10, 1), color="GREEN"))

    v1 = otio.schema.Track("Picture", kind=otio.schema.TrackKind.Video)
    v1.metadata["Resolve_OTIO"] = {"Locked": False}
    v1.append(otio.schema.Gap(source_range=tr(0, 5)))
    a = clip("A", str(pic), tr(90010, 20), avail)
    a.markers.append(otio.schema.Marker("look", tr(90012, 2), metadata={"note": "here"}))
    a.effects.append(otio.schema.Effect("Resolve Color", "Color", {"lift": [0.1, 0.2]}))
    a.metadata["Resolve_OTIO"] = {"Clip Color": "Orange", "Link Group ID": 1}
    v1.append(a)
    v1.append(otio.schema.Transition("dissolve", "SMPTE_Dissolve", RT(3, RATE), RT(3, RATE)))
    v1.append(clip("B", "media/pic2.mp4", tr(20, 15), tr(0, 75)))  # relative URL
    v1.append(clip("C", str(pic), tr(90040, 10), avail, enabled=False))
    d = clip("D", str(pic), tr(90050, 10), avail)
    d.effects.append(otio.schema.LinearTimeWarp("speed", 2.0))
    v1.append(d)
    e = clip("E", str(pic), tr(90070, 5), avail)
    e.effects.append(otio.schema.FreezeFrame())
    v1.append(e)
    v1.append(clip("F", str(folder / "nowhere.mov"), tr(0, 10), tr(0, 10)))
    v1.append(clip("G", None, tr(0, 5)))
    nested = otio.schema.Stack(name="nested")
    inner = otio.schema.Track("inner", kind=otio.schema.TrackKind.Video)
    inner.append(clip("inside", str(pic), tr(90000, 10), avail))
    nested.append(inner)
    v1.append(nested)
    v1.append(clip("H", str(pic), tr(90080, 10), avail))

    v2 = otio.schema.Track("Overlay", kind=otio.schema.TrackKind.Video)
    overlay = clip("overlay", "media/pic2.mp4", tr(0, 10), tr(0, 75))
    overlay.markers.append(otio.schema.Marker("logo"))
    v2.append(overlay)

    original = otio.schema.Track("Original", kind=otio.schema.TrackKind.Audio)
    original.append(clip("room tone", str(dub_b), tr(0, 50), tr(0, 75)))
    dub = otio.schema.Track("Dub", kind=otio.schema.TrackKind.Audio)
    dub.append(otio.schema.Gap(source_range=tr(0, 8)))
    dub.append(clip("line 1", str(dub_a), tr(0, 30), tr(0, 50)))  # record 8..38
    dub.append(otio.schema.Gap(source_range=tr(0, 10)))
    dub.append(clip("line 2", str(dub_b), tr(25, 39), tr(0, 75)))  # record 48..87
    music = otio.schema.Track("Music", kind=otio.schema.TrackKind.Audio)
    music.append(clip("music", str(dub_b), tr(0, 100), tr(0, 75)))

    tl.tracks.extend([v1, v2, original, dub, music])
    path = folder / "edit.otio"
    otio.adapters.write_to_file(tl, str(path))
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("timeline")
    source = build_timeline(folder)
    (folder / "out").mkdir()
    output = folder / "out" / "synced.otio"
    media = folder / "renders"
    report = render_timeline(source, output, dataclasses.replace(OPTIONS, media_dir=media))
    return folder, source, output, report


def test_only_the_intended_clips_change(rendered):
    _folder, source, output, report = rendered
    before = otio.adapters.read_from_file(str(source))
    after = otio.adapters.read_from_file(str(output))
    assert_same_except_renders(before, after)
    status = {c.name: (c.status, c.reason) for c in report.clips}
    assert {k: v[0] for k, v in status.items()} == {
        "A": "rendered", "B": "rendered", "C": "skipped", "D": "rendered", "E": "skipped",
        "F": "missing", "G": "missing", "nested": "skipped", "H": "skipped",
    }  # fmt: skip
    assert "disabled" in status["C"][1]
    assert "freeze frame" in status["E"][1]
    assert "nowhere.mov" in status["F"][1] and "no media" in status["G"][1]
    assert "nested Stack" in status["nested"][1]
    assert "no dub audio" in status["H"][1]
    assert "speed 2x" in status["D"][1]
    assert any("Relative media paths" in w for w in report.warnings)
    assert report.counts["rendered"] == 3
    summary = report.summary()
    assert 'V1 "Picture" #1 "A"' in summary and "3 rendered" in summary and "2 missing" in summary


def test_renders_are_frame_identical_in_the_edit(rendered):
    folder, source, output, _report = rendered
    before_tl = otio.adapters.read_from_file(str(source))  # kept: clips need their parents
    before = clips_by_name(before_tl)
    after = clips_by_name(otio.adapters.read_from_file(str(output)))
    sources = {"A": folder / "pic.mov", "B": folder / "media" / "pic2.mp4"}
    for name, origin in (("A", 90000), ("B", 0)):
        new = after[name]
        ref = new.media_reference
        assert new.source_range == before[name].source_range
        assert ref.target_url.startswith("/") and "file:" not in ref.target_url
        path = Path(ref.target_url)
        assert path.parent == folder / "renders"
        avail = ref.available_range
        visible = before[name].visible_range()  # with the transition's overlap
        assert avail.start_time.value == visible.start_time.value - 4  # handles
        assert avail.end_time_exclusive().value == visible.end_time_exclusive().value + 4
        info = probe(path)
        assert info.video[0].frame_count == avail.duration.value
        assert info.video[0].metadata["timecode"] == otio.opentime.to_timecode(
            avail.start_time, RATE
        )
        shown = [f.image for f in iter_frames(path)]
        original = [f.image for f in iter_frames(sources[name])]
        at = int(new.source_range.start_time.value - avail.start_time.value)
        first = int(new.source_range.start_time.value - origin)
        for k in (0, 7, 14):
            same = psnr(shown[at + k], original[first + k])
            assert same > 32, (name, k, same)
            assert same > psnr(shown[at + k], original[first + k + 1]) + 6


def test_metadata_records_the_render(rendered):
    folder, _source, output, _report = rendered
    after = clips_by_name(otio.adapters.read_from_file(str(output)))
    meta = lipsync_metadata(after["A"])
    assert meta["status"] == "rendered" and meta["renderer"] == DEFAULT_RENDERER == "auto"
    assert meta["tool_version"] and len(meta["content_hash"]) == 64
    assert meta["render"] == after["A"].media_reference.target_url
    assert meta["source"]["path"] == str(folder / "pic.mov")
    assert meta["source"]["handles"] == [4, 4]
    [line] = meta["audio"]
    assert line["clip"] == "line 1" and line["path"] == str(folder / "dub_a.wav")
    assert line["source_range"] == {"start": 0.0, "duration": 30.0, "rate": 25.0}
    assert line["record_range"] == {"start": 8.0, "duration": 30.0, "rate": 25.0}
    assert lipsync_metadata(after["D"])["time_scalar"] == 2.0
    assert not lipsync_metadata(after["H"]) and not lipsync_metadata(after["F"])
    assert after["A"].metadata["Resolve_OTIO"]["Clip Color"] == "Orange"


def test_dub_is_placed_and_mapped_through_the_speed_change(rendered):
    _folder, _source, output, _report = rendered
    after = clips_by_name(otio.adapters.read_from_file(str(output)))
    a = load_audio(after["A"].media_reference.target_url, 48000)
    # A's render starts at record frame 1; line 1 starts at frame 8: 0.28 s of silence
    quiet, loud = a[1000:12000], a[16000:40000]
    assert np.sqrt(np.mean(quiet**2)) < 0.02 < np.sqrt(np.mean(loud**2))
    assert dominant_frequency(loud, 48000) == pytest.approx(440, abs=8)
    d = load_audio(after["D"].media_reference.target_url, 48000)
    # D plays its media at 2x: line 2 (660 Hz) is heard an octave lower in the render
    assert dominant_frequency(d[2000:-2000], 48000) == pytest.approx(330, abs=8)
    b = load_audio(after["B"].media_reference.target_url, 48000)
    assert dominant_frequency(b[2000:-2000], 48000) == pytest.approx(440, abs=8)


def test_rendering_again_redoes_only_what_changed(rendered, tmp_path):
    folder, _source, output, report = rendered
    media = folder / "renders"
    files = sorted(p.name for p in media.iterdir())
    again = tmp_path / "again.otio"
    second = render_timeline(output, again, dataclasses.replace(OPTIONS, media_dir=media))
    assert {c.name: c.status for c in second.clips if c.status != "skipped"} == {
        "A": "unchanged", "B": "unchanged", "D": "unchanged", "F": "missing", "G": "missing",
    }  # fmt: skip
    assert sorted(p.name for p in media.iterdir()) == files
    first_json = otio.adapters.read_from_file(str(output))
    assert as_json(otio.adapters.read_from_file(str(again))) == as_json(first_json)

    # the editor re-times line 2 by two frames: only D (under it) is rendered again
    edited = otio.adapters.read_from_file(str(again))
    dub = next(t for t in edited.tracks if t.name == "Dub")
    dub[2].source_range = tr(0, 12)
    retimed = tmp_path / "retimed.otio"
    otio.adapters.write_to_file(edited, str(retimed))
    third = render_timeline(
        retimed, tmp_path / "third.otio", dataclasses.replace(OPTIONS, media_dir=media)
    )
    changed = {c.name: c.status for c in third.clips if c.name in "ABD"}
    assert changed == {"A": "unchanged", "B": "unchanged", "D": "rendered"}
    after = otio.adapters.read_from_file(str(tmp_path / "third.otio"))
    assert_same_except_renders(undo_render(edited), after)
    d_meta = lipsync_metadata(clips_by_name(after)["D"])
    assert d_meta["audio"][0]["record_range"]["start"] == 50.0
    # undoing the change brings back the first render's file: linked, not rendered again
    dub = next(t for t in after.tracks if t.name == "Dub")
    dub[2].source_range = tr(0, 10)
    otio.adapters.write_to_file(after, str(retimed))
    fourth = render_timeline(
        retimed, tmp_path / "fourth.otio", dataclasses.replace(OPTIONS, media_dir=media)
    )
    assert {c.name: c.status for c in fourth.clips if c.name in "ABD"} == {
        "A": "unchanged", "B": "unchanged", "D": "reused",
    }  # fmt: skip
    retimed_d = Path(next(c.render for c in third.clips if c.name == "D")).name
    assert sorted(p.name for p in media.iterdir()) == sorted([*files, retimed_d])
    first_d = next(c.render for c in report.clips if c.name == "D")
    assert next(c.render for c in fourth.clips if c.name == "D") == first_d


def test_other_encoding_settings_render_again(rendered, tmp_path):
    import shutil

    folder, _source, output, _report = rendered
    media = shutil.copytree(folder / "renders", tmp_path / "renders")
    for encode in (dataclasses.replace(OPTIONS.encode, crf=14),
                   dataclasses.replace(OPTIONS.encode, tune="none")):  # fmt: skip
        options = dataclasses.replace(OPTIONS, media_dir=media, encode=encode)
        again = render_timeline(output, tmp_path / "again.otio", options)
        assert {c.name: c.status for c in again.clips if c.name in "ABD"} == {
            "A": "rendered", "B": "rendered", "D": "rendered",
        }  # fmt: skip


def test_clip_loses_its_render_when_the_dub_goes(rendered, tmp_path):
    folder, source, output, _report = rendered
    edited = otio.adapters.read_from_file(str(output))
    dub = next(t for t in edited.tracks if t.name == "Dub")
    dub[1].enabled = False  # line 1 muted: nothing plays over A and B now
    path = tmp_path / "muted.otio"
    otio.adapters.write_to_file(edited, str(path))
    result = render_timeline(
        path, tmp_path / "out.otio", dataclasses.replace(OPTIONS, media_dir=folder / "renders")
    )
    status = {c.name: c.status for c in result.clips}
    assert status["A"] == status["B"] == "restored"
    after = clips_by_name(otio.adapters.read_from_file(str(tmp_path / "out.otio")))
    original = clips_by_name(otio.adapters.read_from_file(str(source)))
    for name in "AB":
        assert as_json(after[name]) == as_json(original[name])


def test_missing_dub_media_skips_the_clip_it_plays_over(tmp_path):
    pic = picture(tmp_path / "p.mp4", 1.0)
    tl = otio.schema.Timeline("t")
    v = otio.schema.Track("Picture", kind=otio.schema.TrackKind.Video)
    v.append(clip("shot", str(pic), tr(0, 25), tr(0, 25)))
    dub = otio.schema.Track("Dub", kind=otio.schema.TrackKind.Audio)
    dub.append(clip("lost line", str(tmp_path / "lost.wav"), tr(0, 10), tr(0, 10)))
    tl.tracks.extend([v, dub])
    path = tmp_path / "t.otio"
    otio.adapters.write_to_file(tl, str(path))
    result = render_timeline(path, tmp_path / "o.otio", OPTIONS)
    [shot] = result.clips
    assert shot.status == "missing" and "lost line" in shot.reason and "lost.wav" in shot.reason
    assert not (tmp_path / "lipsync_media").exists() or not any(
        p.suffix == ".mov" for p in (tmp_path / "lipsync_media").iterdir()
    )


def test_otioz_bundle_renders_from_its_own_media(tmp_path):
    pic = picture(tmp_path / "bundled.mp4", 1.0)
    line = tone(tmp_path / "line.wav", 440, 1.0)
    tl = otio.schema.Timeline("bundle")
    v = otio.schema.Track("Picture", kind=otio.schema.TrackKind.Video)
    v.append(clip("shot", otio.url_utils.url_from_filepath(str(pic)), tr(5, 15), tr(0, 25)))
    dub = otio.schema.Track("Dub", kind=otio.schema.TrackKind.Audio)
    dub.append(clip("line", otio.url_utils.url_from_filepath(str(line)), tr(0, 20), tr(0, 25)))
    tl.tracks.extend([v, dub])
    bundle = tmp_path / "edit.otioz"
    otio.adapters.write_to_file(tl, str(bundle))
    pic.unlink()
    line.unlink()  # only the bundle's copies remain
    result = render_timeline(bundle, tmp_path / "out.otio", OPTIONS)
    assert [c.status for c in result.clips] == ["rendered"]
    assert Path(result.clips[0].render).is_file()
    assert (tmp_path / "lipsync_media" / "edit.otioz" / "media" / "bundled.mp4").is_file()
    inside = read_timeline(bundle).root
    assert_same_except_renders(inside, otio.adapters.read_from_file(str(tmp_path / "out.otio")))


def test_timeline_from_fcp_xml(tmp_path):
    pytest.importorskip("otio_fcp_adapter", reason="needs otio-fcp-adapter (dev extra)")
    pic = picture(tmp_path / "shot.mov", 2.0)
    line = tone(tmp_path / "line.wav", 440, 2.0)
    tl = otio.schema.Timeline("xml edit", global_start_time=RT(0, RATE))
    v = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
    v.append(clip("shot", otio.url_utils.url_from_filepath(str(pic)), tr(10, 20), tr(0, 50)))
    a = otio.schema.Track("Dub", kind=otio.schema.TrackKind.Audio)
    a.append(clip("line", otio.url_utils.url_from_filepath(str(line)), tr(0, 30), tr(0, 50)))
    tl.tracks.extend([v, a])
    xml = tmp_path / "edit.xml"
    otio.adapters.write_to_file(tl, str(xml))
    result = render_timeline(
        xml, tmp_path / "out.otio", dataclasses.replace(OPTIONS, dub_tracks=("A1",))
    )
    assert [c.status for c in result.clips] == ["rendered"]
    assert_same_except_renders(
        read_timeline(xml).root, otio.adapters.read_from_file(str(tmp_path / "out.otio"))
    )
