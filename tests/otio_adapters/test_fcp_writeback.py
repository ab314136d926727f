"""FCP XML written back names media by percent-encoded file:// URLs, and a render is known by
its own container tags, so rendering the written XML again does not render the renders."""

from __future__ import annotations

import dataclasses
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import opentimelineio as otio
import pytest
from otio_adapters.otiotools import RATE, RT, clip, picture, tone, tr

from lipsync.core.media import EncodeOptions, probe
from lipsync.otio_adapters.conventions import file_url, url_to_path
from lipsync.otio_adapters.render import RenderOptions, is_lipsync_render, render_timeline
from lipsync.otio_adapters.timeline_io import read_timeline, with_file_urls, write_timeline

pytest.importorskip("otio_fcp_adapter", reason="needs otio-fcp-adapter (dev extra)")

SAMPLES = Path("/work/shared/otio-samples")
OPTIONS = RenderOptions(
    handles=2, allow_no_face=True, encode=EncodeOptions(preset="ultrafast", crf=12),
    dub_tracks=("A1",),
)  # fmt: skip


def pathurls(xml: Path) -> list[str]:
    return [e.text or "" for e in ET.parse(xml).getroot().iter("pathurl")]


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("/media/a b#1%.mov", "file://localhost/media/a%20b%231%25.mov"),
        ("/média/ç.mov", "file://localhost/m%C3%A9dia/%C3%A7.mov"),
        ("D:\\media\\shot 1.mov", "file://localhost/D%3A/media/shot%201.mov"),
        ("//server/share/x y.mov", "file://server/share/x%20y.mov"),
        ("file://localhost/already.mov", "file://localhost/already.mov"),
        ("relative/x.mov", "relative/x.mov"),
    ],
)
def test_paths_become_percent_encoded_file_urls(path, url):
    assert file_url(path) == url
    if path.startswith("/") and not path.startswith("//"):
        assert url_to_path(url, None) == Path(path)  # and read back to the same file


@pytest.fixture(scope="module")
def xml_render(tmp_path_factory):
    """An FCP XML edit rendered to XML; renders in a folder whose name needs encoding."""
    folder = tmp_path_factory.mktemp("fcp")
    pic = picture(folder / "shot.mov", 2.0)
    line = tone(folder / "line.wav", 440, 2.0)
    tl = otio.schema.Timeline("xml edit", global_start_time=RT(0, RATE))
    v = otio.schema.Track("V1", kind=otio.schema.TrackKind.Video)
    v.append(clip("shot", otio.url_utils.url_from_filepath(str(pic)), tr(10, 20), tr(0, 50)))
    a = otio.schema.Track("Dub", kind=otio.schema.TrackKind.Audio)
    a.append(clip("line", otio.url_utils.url_from_filepath(str(line)), tr(0, 30), tr(0, 50)))
    tl.tracks.extend([v, a])
    edit = folder / "edit.xml"
    otio.adapters.write_to_file(tl, str(edit))
    media = folder / "renders #1 é"
    out = folder / "edit synced.xml"
    first = render_timeline(edit, out, dataclasses.replace(OPTIONS, media_dir=media))
    return folder, pic, media, out, first


def test_written_xml_names_renders_by_file_urls(xml_render):
    _, _, _, out, first = xml_render
    assert [c.status for c in first.clips] == ["rendered"]
    render = Path(first.clips[0].render)
    urls = pathurls(out)
    assert urls and all(u.startswith("file://") for u in urls), urls
    assert not any(" " in u or "é" in u or "#1" in u for u in urls)
    assert file_url(str(render)) in urls  # the render, encoded
    assert {url_to_path(u, None) for u in urls} >= {render}
    assert all(url_to_path(u, None).is_file() for u in urls)
    # the XML reads back with the render under the clip
    back = otio.adapters.read_from_file(str(out))
    (shot,) = [c for c in back.find_clips() if c.name == "shot"]
    assert url_to_path(shot.media_reference.target_url, None) == render
    assert "lipsync" not in shot.metadata  # FCP XML keeps no metadata of ours


def test_a_render_carries_its_own_tags(xml_render):
    _, pic, _, _, first = xml_render
    assert is_lipsync_render(probe(first.clips[0].render).metadata)
    assert not is_lipsync_render(probe(pic).metadata)
    assert not is_lipsync_render({}) and not is_lipsync_render({"comment": "holiday"})


def test_rendering_the_written_xml_again_keeps_the_renders(xml_render, tmp_path):
    _, _, media, out, first = xml_render
    before = sorted(p.name for p in media.iterdir())
    again = tmp_path / "again.xml"
    second = render_timeline(out, again, dataclasses.replace(OPTIONS, media_dir=media))
    (result,) = second.clips
    assert result.status == "unchanged"
    assert "lip-sync render already" in result.reason
    assert result.render == first.clips[0].render
    assert sorted(p.name for p in media.iterdir()) == before  # nothing new rendered
    assert pathurls(again) == pathurls(out)


@pytest.mark.parametrize("sample", ["premiere_example.xml", "hiero_xml_export.xml"])
def test_shipped_samples_write_back_with_file_urls(sample, tmp_path):
    source = SAMPLES / sample
    if not source.is_file():
        pytest.skip(f"{source} is not on this machine")
    root = read_timeline(source).root
    urls_in = {
        c.media_reference.target_url
        for c in root.find_clips()
        if isinstance(c.media_reference, otio.schema.ExternalReference)
    }
    # a clip moved to plain paths (as a render or Resolve writes them) comes out as a URL
    moved = root.deepcopy()
    first = next(
        c
        for c in moved.find_clips()
        if isinstance(c.media_reference, otio.schema.ExternalReference)
    )
    first.media_reference.target_url = "/renders/shot 1.mov"
    out = write_timeline(moved, tmp_path / "back.xml")
    urls = pathurls(out)
    assert all(u.startswith("file://") for u in urls), urls
    assert "file://localhost/renders/shot%201.mov" in urls
    assert set(urls) - {"file://localhost/renders/shot%201.mov"} <= urls_in
    assert first.media_reference.target_url == "/renders/shot 1.mov"  # the object is untouched


def test_with_file_urls_copies(tmp_path):
    tl = otio.schema.Timeline("t")
    track = otio.schema.Track("V1")
    track.append(clip("c", "/a b.mov", tr(0, 5), tr(0, 5)))
    tl.tracks.append(track)
    converted = with_file_urls(tl)
    assert converted.find_clips()[0].media_reference.target_url == "file://localhost/a%20b.mov"
    assert tl.find_clips()[0].media_reference.target_url == "/a b.mov"
    assert re.match(r"^file://", converted.find_clips()[0].media_reference.target_url)
