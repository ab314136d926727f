"""Real timelines from other tools (../shared/otio-samples): each reads, renders (clips whose
media is absent are reported as missing) and writes back with nothing else changed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import opentimelineio as otio
import pytest
from otio_adapters.otiotools import (
    RT,
    as_json,
    assert_same_except_renders,
    clips_by_name,
    picture,
    tone,
)

from lipsync.core.media import EncodeOptions
from lipsync.otio_adapters.conventions import lipsync_metadata
from lipsync.otio_adapters.render import RenderOptions, render_timeline
from lipsync.otio_adapters.timeline_io import read_timeline

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "otio-samples"  # ../shared
FILES = sorted(p for p in SAMPLES.glob("*") if p.suffix != ".md") if SAMPLES.is_dir() else []
NEEDS_PLUGINS = {".edl": "otio_cmx3600_adapter", ".xml": "otio_fcp_adapter"}
OPTIONS = RenderOptions(allow_no_face=True, encode=EncodeOptions(preset="ultrafast"))


def video_items(root) -> int:
    if isinstance(root, otio.schema.Clip):
        return 1
    tracks = [t for t in root.tracks if t.kind == otio.schema.TrackKind.Video]
    if not tracks:
        return 0
    skip = (otio.schema.Gap, otio.schema.Transition)
    return sum(not isinstance(item, skip) for item in tracks[0])


@pytest.mark.skipif(not FILES, reason=f"no sample timelines in {SAMPLES}")
@pytest.mark.parametrize("sample", FILES, ids=lambda p: p.name)
def test_sample_round_trips_untouched(sample, tmp_path):
    if sample.suffix in NEEDS_PLUGINS:
        pytest.importorskip(NEEDS_PLUGINS[sample.suffix], reason="OpenTimelineIO-Plugins")
    before = read_timeline(sample).root
    output = tmp_path / "out.otio"
    report = render_timeline(sample, output, OPTIONS)
    after = otio.adapters.read_from_file(str(output))
    # OTIO's own JSON reading rounds some floats in their last digit (EDL speed 1.98333…):
    # compare with what OTIO itself writes and reads back
    baseline = otio.adapters.read_from_string(as_json(before), "otio_json")
    assert as_json(after) == as_json(baseline)
    assert len(report.clips) == video_items(before)
    for clip in report.clips:
        assert clip.status in ("missing", "skipped"), clip
        assert clip.reason
    if any(
        isinstance(getattr(c, "media_reference", None), otio.schema.MissingReference)
        for c in (before.find_clips() if hasattr(before, "find_clips") else [before])
    ):
        assert report.counts["missing"] >= 1  # fmt: skip
    assert not list((tmp_path / "lipsync_media").glob("*.mov"))


@pytest.mark.skipif(not (SAMPLES / "effects.otio").is_file(), reason="no effects.otio sample")
def test_resolve_timeline_relinked_to_real_media_renders(tmp_path):
    """Resolve's export (Resolve_OTIO metadata and effects everywhere, a cross fade, disabled
    clips, start at 01:00:00:00) with two shots and the dialogue relinked to generated media:
    the shot under dialogue is rendered, and nothing else in the file changes."""
    timeline = otio.adapters.read_from_file(str(SAMPLES / "effects.otio"))
    shot = picture(tmp_path / "shot.mov", 6.0)  # 25 fps media in a 24 fps timeline
    line = tone(tmp_path / "line.wav", 440, 17.0)
    v1 = timeline.tracks[0]
    for item in (v1[2], v1[3]):  # after the cross fade: 56 and 13 frames
        item.media_reference = otio.schema.ExternalReference(
            target_url=str(shot), available_range=otio.opentime.TimeRange(RT(0, 24), RT(144, 24))
        )
        item.source_range = otio.opentime.TimeRange(RT(40, 24), item.source_range.duration)
    audio2 = next(t for t in timeline.tracks if t.name == "Audio 2")
    for item in audio2.find_clips():
        item.media_reference.target_url = str(line)
    source = tmp_path / "relinked.otio"
    otio.adapters.write_to_file(timeline, str(source))
    options = dataclasses.replace(OPTIONS, dub_tracks=("Audio 2",), handles=6)
    report = render_timeline(source, tmp_path / "out.otio", options)
    status = {(c.index, c.name): c.status for c in report.clips}
    assert status[(2, "Picchu_V7_310821_0005.png")] == "rendered"
    assert status[(3, "Picchu_V7_310821_0006.png")] == "skipped"  # no dialogue over it
    assert status[(0, "Picchu_V7_310821_0003.png")] == "missing"
    after = otio.adapters.read_from_file(str(tmp_path / "out.otio"))
    assert_same_except_renders(otio.adapters.read_from_file(str(source)), after)
    rendered = clips_by_name(after)["Picchu_V7_310821_0005.png"]
    assert "Resolve_OTIO" in rendered.metadata
    ref = rendered.media_reference
    assert ref.available_range.start_time.rate == 24  # the media's own rate is kept
    assert not ref.target_url.startswith("file:")
    # the cross fade shows 30 frames more of the shot: both lines of Audio 2 play over it
    heard = lipsync_metadata(rendered)["audio"]
    assert [h["source_range"]["start"] for h in heard] == [40.0, 354.0]
    assert {h["track"] for h in heard} == {'A2 "Audio 2"'}
