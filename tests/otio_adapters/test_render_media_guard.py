"""`lipsync timeline render` checks what it writes against the timeline's own media before any
work: the output timeline and the report may not be one of the clips' media files (same
path, symbolic or hard link), and no media file may lie in --media-dir under a name a render is
written to (``<clip>-<12 hex>.mov``), unless it is a lip-sync render itself. Every refusal is
one sentence with exit 3; media are hashed before and after; nothing is written."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import opentimelineio as otio
import pytest
from clitools import assert_one_sentence_error, lipsync
from mediatools import ffmpeg
from otio_adapters.otiotools import clip, picture, tone, tr

from lipsync.core import constants as C
from lipsync.core.errors import EXIT_BAD_INPUT, OutputError
from lipsync.otio_adapters.plan import timeline_media
from lipsync.otio_adapters.render import RENDER_NAME, render_timeline

RENDER_LIKE = "shot-0123456789ab.mov"  # a name of the kind renders get


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("guard_media")
    picture(folder / "shot.mov", 1.0)
    tone(folder / "line.wav", 440, 1.0)
    return folder


def timeline(path: Path, picture_path: Path, dub_path: Path | None = None) -> Path:
    """A timeline with the picture on "Picture" and, when given, the dub on "Dub"."""
    tl = otio.schema.Timeline("guard")
    v = otio.schema.Track("Picture", kind=otio.schema.TrackKind.Video)
    v.append(clip("shot", str(picture_path), tr(0, 20), tr(0, 25)))
    tl.tracks.append(v)
    if dub_path is not None:
        a = otio.schema.Track("Dub", kind=otio.schema.TrackKind.Audio)
        a.append(clip("line", str(dub_path), tr(0, 20), tr(0, 25)))
        tl.tracks.append(a)
    otio.adapters.write_to_file(tl, str(path))
    return path


def tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` -> SHA-256 (links followed)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def work(media, tmp_path) -> Path:
    """A folder with the media copied in, and a media folder ("renders")."""
    for p in media.iterdir():
        shutil.copy(p, tmp_path / p.name)
    (tmp_path / "renders").mkdir()
    return tmp_path


def refused(work: Path, args: list[str], *words: str) -> None:
    before = tree(work)
    proc = lipsync("timeline", "render", *args)
    assert_one_sentence_error(proc, EXIT_BAD_INPUT, *words)
    assert tree(work) == before  # nothing written, no input changed
    assert not (work / "out.otio").exists()


def test_a_source_under_a_render_name_in_the_media_folder_is_refused(work):
    source = work / "renders" / RENDER_LIKE
    shutil.move(work / "shot.mov", source)
    tl = timeline(work / "edit.otio", source, work / "line.wav")
    refused(work, [str(tl), "-o", str(work / "out.otio"), "--media-dir", str(work / "renders"),
                   "--force"],
            str(source), "--media-dir", "shot")  # fmt: skip


def test_a_media_folder_reached_through_a_link_is_refused_too(work):
    source = work / "renders" / RENDER_LIKE
    shutil.move(work / "shot.mov", source)
    os.symlink(work / "renders", work / "linked")
    tl = timeline(work / "edit.otio", source, work / "line.wav")
    refused(work, [str(tl), "-o", str(work / "out.otio"), "--media-dir", str(work / "linked")],
            str(source), "--media-dir")  # fmt: skip


def test_a_report_that_is_a_clips_media_is_refused(work):
    tl = timeline(work / "edit.otio", work / "shot.mov", work / "line.wav")
    refused(work, [str(tl), "-o", str(work / "out.otio"), "--report", str(work / "line.wav")],
            "line.wav", "--report", "the clip 'line'")  # fmt: skip


def test_a_report_hard_linked_to_a_clips_media_is_refused(work):
    os.link(work / "shot.mov", work / "report.json")
    tl = timeline(work / "edit.otio", work / "shot.mov", work / "line.wav")
    refused(work, [str(tl), "-o", str(work / "out.otio"), "--report", str(work / "report.json")],
            "report.json", "the clip 'shot'")  # fmt: skip


def test_the_media_a_render_replaced_is_checked_too(work, tmp_path):
    """A clip showing an earlier render: its original media (from the clip's metadata) is
    an input as well, and the render itself may be replaced by a new render."""
    tl = timeline(work / "edit.otio", work / "shot.mov")
    loaded = otio.adapters.read_from_file(str(tl))
    shot = next(iter(loaded.find_clips()))
    original = otio.adapters.write_to_string(shot.media_reference, "otio_json")
    render = work / "renders" / RENDER_LIKE
    shutil.copy(work / "shot.mov", render)
    shot.media_reference = otio.schema.ExternalReference(target_url=str(render))
    shot.metadata["lipsync"] = {"render": str(render), "source_reference": original}
    uses = timeline_media(loaded, work)
    assert [(u.path, u.render) for u in uses] == [(render, True), (work / "shot.mov", False)]
    otio.adapters.write_to_file(loaded, str(tl))
    refused(work, [str(tl), "-o", str(work / "out.otio"), "--report", str(work / "shot.mov")],
            "shot.mov", "--report")  # fmt: skip
    # the earlier render under its render name is ours: no refusal (no dub: nothing rendered)
    proc = lipsync("-q", "timeline", "render", str(tl), "-o", str(work / "out.otio"),
                   "--media-dir", str(work / "renders"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_a_tagged_render_used_as_a_plain_source_is_not_refused(work):
    """FCP XML keeps none of our metadata: a render in the media folder recognised by its
    container tags is an earlier render, not a source a render could damage."""
    render = work / "renders" / RENDER_LIKE
    ffmpeg("-i", str(work / "shot.mov"), "-c", "copy", "-movflags", "use_metadata_tags",
           "-metadata", f"{C.PROVENANCE_KEY}=lip-synced", str(render))  # fmt: skip
    tl = timeline(work / "edit.otio", render, work / "line.wav")
    before = hashlib.sha256(render.read_bytes()).hexdigest()
    report = render_timeline(tl, work / "out.otio", media_dir_options(work))
    assert [c.status for c in report.clips] == ["unchanged"]
    assert hashlib.sha256(render.read_bytes()).hexdigest() == before


def media_dir_options(work: Path):
    from lipsync.otio_adapters.render import RenderOptions

    return RenderOptions(media_dir=work / "renders", allow_no_face=True)


def test_the_same_media_under_its_own_name_renders(work):
    """The control: the same timeline with the source under an ordinary name in the media
    folder is rendered."""
    source = work / "renders" / "shot.mov"
    shutil.move(work / "shot.mov", source)
    tl = timeline(work / "edit.otio", source, work / "line.wav")
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    report = render_timeline(tl, work / "out.otio", media_dir_options(work))
    assert [c.status for c in report.clips] == ["rendered"]
    assert RENDER_NAME.fullmatch(Path(report.clips[0].render).name)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before


def test_the_library_refuses_before_any_work(work):
    source = work / "renders" / RENDER_LIKE
    shutil.move(work / "shot.mov", source)
    tl = timeline(work / "edit.otio", source, work / "line.wav")
    before = tree(work)
    with pytest.raises(OutputError, match="lipsync gives its renders"):
        render_timeline(tl, work / "out.otio", media_dir_options(work))
    assert tree(work) == before
    assert [p.name for p in (work / "renders").iterdir()] == [RENDER_LIKE]
