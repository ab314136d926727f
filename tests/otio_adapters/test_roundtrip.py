"""An editor's round trip: `timeline new` → edit with the OTIO API (trim, split, move, replace
a dub clip, add a transition) → render → edit again → render redoes only what changed."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import pytest
from otio_adapters.otiotools import (
    RT,
    assert_same_except_renders,
    clip,
    tr,
    undo_render,
)

from lipsync.core.demo import write_portrait_clip
from lipsync.core.media import EncodeOptions, probe, save_audio
from lipsync.core.speech import synthesize
from lipsync.otio_adapters.conventions import lipsync_metadata
from lipsync.otio_adapters.dub_timeline import write_dub_timeline
from lipsync.otio_adapters.render import RenderOptions, render_timeline

OPTIONS = RenderOptions(handles=4, encode=EncodeOptions(preset="ultrafast"))
SRT = "1\n00:00:00,080 --> 00:00:01,000\nMAMA: Mama made a map.\n\n2\n00:00:01,320 --> 00:00:02,000\nBob bought a boat.\n"  # noqa: E501


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("roundtrip")
    face = write_portrait_clip(folder / "face.mp4", 2.4, (384, 216), preset="ultrafast")
    lines = {}
    for name, text in (("line1", "Mama made a map."), ("take2", "Mama made a map!"),
                       ("line2", "Bob bought a boat.")):  # fmt: skip
        speech = synthesize(text, "en-us")
        lines[name] = save_audio(folder / f"{name}.wav", speech.samples, speech.sample_rate)
    subtitles = folder / "dub.en.srt"
    subtitles.write_text(SRT, encoding="utf-8")
    return folder, face, lines, subtitles


def test_new_dub_timeline_follows_the_conventions(media):
    folder, face, lines, subtitles = media
    path = folder / "new.otio"
    write_dub_timeline(face, lines["line1"], path, subtitles)
    timeline = otio.adapters.read_from_file(str(path))
    assert [(t.name, t.kind, t.metadata["lipsync"]["role"]) for t in timeline.tracks] == [
        ("Picture", "Video", "picture"), ("Dub", "Audio", "dub"),
    ]  # fmt: skip
    [picture] = timeline.tracks[0]
    assert picture.media_reference.target_url == str(face)  # a plain absolute path
    assert picture.media_reference.available_range == tr(0, 60)
    assert picture.source_range == tr(0, 60)
    [dub] = timeline.tracks[1]
    seconds = probe(lines["line1"]).duration
    assert dub.source_range.duration.value == round(seconds * 25)
    cues = timeline.tracks.markers
    assert [m.metadata["lipsync"]["subtitle"]["speaker"] for m in cues] == ["MAMA", None]
    assert {m.metadata["lipsync"]["subtitle"]["language"] for m in cues} == {"en"}
    srt = folder / "back.srt"
    otio.adapters.write_to_file(timeline, str(srt))
    assert srt.read_text(encoding="utf-8") == SRT


def test_edit_render_edit_render(media, tmp_path):
    _folder, face, lines, subtitles = media
    new = tmp_path / "new.otio"
    write_dub_timeline(face, lines["line1"], new, subtitles)

    # the editor's first pass: trim, split in two with a dissolve, move the line two frames
    # later and replace it by a second take, and lay a second line over the second shot
    timeline = otio.adapters.read_from_file(str(new))
    picture, dub = timeline.tracks[0], timeline.tracks[1]
    shot = picture[0]
    shot.source_range = tr(5, 25)
    second = shot.deepcopy()
    second.name = "face (2)"
    second.source_range = tr(30, 25)
    picture.append(otio.schema.Transition("dissolve", "SMPTE_Dissolve", RT(3, 25), RT(3, 25)))
    picture.append(second)
    take2 = probe(lines["take2"]).duration
    dub[0] = clip("take 2", str(lines["take2"]), tr(0, round(take2 * 25)), tr(0, round(take2 * 25)))
    dub.insert(0, otio.schema.Gap(source_range=tr(0, 2)))
    line2 = round(probe(lines["line2"]).duration * 25)
    gap = 33 - dub.duration().value  # line 2 from frame 33: outside the first shot's handles
    dub.append(otio.schema.Gap(source_range=tr(0, gap)))
    dub.append(clip("line 2", str(lines["line2"]), tr(0, line2), tr(0, line2)))
    edit1 = tmp_path / "edit1.otio"
    otio.adapters.write_to_file(timeline, str(edit1))

    first = render_timeline(edit1, tmp_path / "render1.otio", OPTIONS)
    assert [(c.name, c.status) for c in first.clips] == [
        ("face", "rendered"), ("face (2)", "rendered"),
    ]  # fmt: skip
    assert all(c.lip_synced and c.lip_synced > 10 for c in first.clips), first.summary()
    rendered1 = otio.adapters.read_from_file(str(tmp_path / "render1.otio"))
    assert_same_except_renders(timeline, rendered1)
    a, b = rendered1.tracks[0][0], rendered1.tracks[0][2]
    assert [h["clip"] for h in lipsync_metadata(a)["audio"]] == ["take 2"]
    assert [h["clip"] for h in lipsync_metadata(b)["audio"]] == ["take 2", "line 2"]
    assert len(rendered1.tracks.markers) == 2  # the subtitles ride along

    # second pass: line 2 re-timed three frames later; the first shot is not rendered again
    dub = rendered1.tracks[1]
    dub[3].source_range = tr(0, gap + 3)
    edit2 = tmp_path / "edit2.otio"
    otio.adapters.write_to_file(rendered1, str(edit2))
    renders = sorted(p.name for p in (tmp_path / "lipsync_media").glob("*.mov"))
    second_run = render_timeline(edit2, tmp_path / "render2.otio", OPTIONS)
    assert [(c.name, c.status) for c in second_run.clips] == [
        ("face", "unchanged"), ("face (2)", "rendered"),
    ]  # fmt: skip
    now = sorted(p.name for p in (tmp_path / "lipsync_media").glob("*.mov"))
    assert len(now) == len(renders) + 1 and set(renders) < set(now)
    rendered2 = otio.adapters.read_from_file(str(tmp_path / "render2.otio"))
    assert_same_except_renders(undo_render(rendered1), rendered2)
    assert rendered2.tracks[0][0].media_reference.target_url == a.media_reference.target_url
    assert Path(rendered2.tracks[0][2].media_reference.target_url).name not in renders
