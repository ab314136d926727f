"""The whole Scripts-menu action against the fake Resolve: the installed Python launcher
exports the timeline, the helper renders it out of process in this environment, and the
renders come back on a new track at the clips' record frames; nothing existing changes."""

from __future__ import annotations

import json
import subprocess
import tempfile

import numpy as np
import pytest
from integrations.resolve.fake_resolve import snapshot
from integrations.resolve.scene import (
    START,
    install_launchers,
    make_media,
    make_resolve,
    run_python_launcher,
)

from lipsync.core.media import iter_frames


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    return make_media(tmp_path_factory.mktemp("media"))


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Settings file and output folder in tmp_path; the launchers installed there; the
    temporary folder in tmp_path too, and left empty by every action, failed ones included."""
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    settings = tmp_path / "settings" / "resolve.json"
    monkeypatch.setenv("LIPSYNC_RESOLVE_SETTINGS", str(settings))
    settings.parent.mkdir()
    settings.write_text(json.dumps({"output_dir": str(tmp_path / "out"), "allow_no_face": True,
                                    "handles": 4}))  # fmt: skip
    scripts = install_launchers(tmp_path / "Scripts")
    yield {
        "settings": settings,
        "launcher": scripts / "Edit" / "Lip Sync.py",
        "out": tmp_path / "out",
    }
    assert list(temp.iterdir()) == [], "the action left files in the temporary folder"


def frames(path) -> list[np.ndarray]:
    return [np.asarray(f.image, np.float32) for f in iter_frames(path)]


def assert_same_frame(render: np.ndarray, original: list[np.ndarray], index: int) -> None:
    """``render`` is ``original[index]`` (re-encoded), clearly closer than its neighbours."""
    diffs = [float(np.abs(render - original[index + d]).mean()) for d in (-1, 0, 1)]
    assert diffs[1] < 0.5 * min(diffs[0], diffs[2]), f"off by a frame: {diffs}"


def test_dialog_choice_renders_onto_a_new_track_at_the_same_frames(media, env, capsys):
    def editor(window):
        items = window.GetItems()
        if "DubTrack" in items:  # the choices dialog: the dub is A2, as the editor picks
            assert items["DubTrack"].CurrentText.startswith("A2")  # guessed from its name
            items["DubTrack"].CurrentIndex = 2
        window.fire("OK", "Clicked")

    resolve, bmd, _ = make_resolve(media, user=editor)
    project = resolve.GetProjectManager().GetCurrentProject()
    timeline = project.GetCurrentTimeline()
    before = snapshot(timeline)
    originals = [
        (i.GetStart(), i.GetDuration(), i.GetLeftOffset())
        for i in timeline.GetItemListInTrack("video", 1)
    ]

    run_python_launcher(env["launcher"], resolve, bmd)
    picture = frames(media["pic"])
    console = capsys.readouterr().out
    assert "Traceback" not in console
    assert "LIPSYNC-PROGRESS" not in console and "Timeline clips" in console
    assert "2 lip-synced clips placed on the new track V2 'Lip sync'" in console

    assert timeline.GetTrackCount("video") == 2
    assert timeline.GetTrackName("video", 2) == "Lip sync"
    new = timeline.GetItemListInTrack("video", 2)
    assert [(i.GetStart(), i.GetDuration()) for i in new] == [(s, d) for s, d, _ in originals]
    assert [i.GetStart() for i in new] == [START + 5, START + 35]
    for item, (_, _, source_start) in zip(new, originals, strict=True):
        render = item.GetMediaPoolItem().path
        assert render.parent == env["out"] / "Dub" / "media"
        markers = item.GetMarkers()
        assert markers[0.0]["name"] == "Lip sync" and markers[0.0]["color"] == "Green"
        assert markers[0.0]["customData"].startswith("lipsync:")
        # frame-exact: the render's frame under the cut is the original's (no face: a copy)
        ref = item.clip.media_reference
        offset = item.clip.source_range.start_time.value - ref.available_range.start_time.value
        for k in (0, item.GetDuration() - 1):
            rendered = frames(render)[int(offset) + k]
            assert_same_frame(rendered, picture, source_start - START + k)

    # nothing existing changed: drop the new track and the timeline is as before
    after = timeline.otio.deepcopy()
    after.tracks.remove(next(t for t in after.tracks if t.name == "Lip sync"))
    timeline_before = type(timeline)(project, after)
    assert snapshot(timeline_before) == before
    pool = project.GetMediaPool()
    assert [c.GetName() for c in pool.GetRootFolder().GetClipList()] == ["pic.mov", "dub.wav"]
    assert [f.GetName() for f in pool.GetRootFolder().GetSubFolderList()] == ["Lip sync"]
    saved = json.loads(env["settings"].read_text())
    assert saved["dub_track"] == "A2"


def _run_with_codec(media, env, capsys, index: int, label: str):
    """Run the action with the dialog's dub track A2 and codec ``index`` (shown as ``label``;
    H.264 is the default): (the timeline, what Resolve's console printed)."""

    def editor(window):
        items = window.GetItems()
        if "Codec" in items:
            assert items["Codec"].CurrentText == "H.264"  # the default
            items["DubTrack"].CurrentIndex = 2
            items["Codec"].CurrentIndex = index
            assert items["Codec"].CurrentText == label
        window.fire("OK", "Clicked")

    resolve, bmd, _ = make_resolve(media, user=editor)
    timeline = resolve.GetProjectManager().GetCurrentProject().GetCurrentTimeline()
    run_python_launcher(env["launcher"], resolve, bmd)
    return timeline, capsys.readouterr().out


def test_the_editor_picks_prores_renders(media, env, capsys):
    """The dialog's codec: ProRes 422 HQ renders on the new track, and the choice is kept."""
    timeline, out = _run_with_codec(media, env, capsys, 1, "ProRes 422 HQ")
    assert "Traceback" not in out
    new = timeline.GetItemListInTrack("video", 2)
    assert new
    for item in new:
        render = item.GetMediaPoolItem().path
        codec = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
             "stream=codec_name,profile", "-of", "csv=p=0", str(render)],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        assert codec == "prores,HQ", (render, codec)
    assert json.loads(env["settings"].read_text())["codec"] == "prores"


def test_dnxhr_on_a_picture_too_small_for_it_is_one_sentence(media, env, capsys):
    """The dialog offers DNxHR HQ too; the scene's 96x64 picture is under the 256x120 that
    DNxHR takes: the editor reads one sentence saying so in Resolve, and nothing is added."""
    timeline, out = _run_with_codec(media, env, capsys, 2, "DNxHR HQ")
    assert "DNxHR takes pictures of at least 256x120 and this video is 96x64" in out, out
    assert "Traceback" not in out and "unexpectedly" not in out
    assert not timeline.GetItemListInTrack("video", 2)


def test_free_edition_uses_the_settings_and_imports_a_new_timeline(media, env, capsys):
    settings = json.loads(env["settings"].read_text())
    settings.update(dub_track="Spanish dub", placement="timeline")
    env["settings"].write_text(json.dumps(settings))
    resolve, bmd, dispatcher = make_resolve(media, version=(19, 1, 0, 1, ""), studio=False)
    project = resolve.GetProjectManager().GetCurrentProject()
    timeline = project.GetCurrentTimeline()
    before = snapshot(timeline)

    run_python_launcher(env["launcher"], resolve, bmd)
    console = capsys.readouterr().out
    assert "offers no script dialogs" in console and str(env["settings"]) in console
    assert "was added to the media pool" in console
    assert dispatcher.windows == []
    assert project.GetTimelineCount() == 2
    new = project.GetCurrentTimeline()
    assert new is not timeline and new.GetName().startswith("Scene 1 lip sync")
    paths = [i.GetMediaPoolItem().path for i in new.GetItemListInTrack("video", 1)]
    assert all(p.parent == env["out"] / "Dub" / "media" for p in paths) and len(paths) == 2
    assert snapshot(timeline) == before


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (
            "old",
            "18.1.4.5 cannot export timelines as OTIO: Lip Sync needs Resolve 18.5 or later.",
        ),
        (
            "no timeline",
            "No timeline is open: open the timeline to lip-sync on the Edit page and run Lip Sync",
        ),
        ("cancel", "Lip sync cancelled; nothing was changed."),
        ("bad track", "has no audio track 'Klingon'"),
    ],
)
def test_user_errors_are_one_sentence(media, env, capsys, case, expected):
    def cancel(window):
        window.fire("Cancel", "Clicked") if "Cancel" in window.On.by_id else window.fire(
            "OK", "Clicked"
        )

    version = (18, 1, 4, 5, "") if case == "old" else (19, 0, 3, 7, "")
    user = cancel if case == "cancel" else None
    resolve, bmd, dispatcher = make_resolve(
        media, version=version, user=user, studio=case != "bad track"
    )
    project = resolve.GetProjectManager().GetCurrentProject()
    timeline = project.GetCurrentTimeline()
    before = snapshot(timeline)
    if case == "no timeline":
        project.current_timeline = None
    if case == "bad track":
        env["settings"].write_text(
            json.dumps({"dub_track": "Klingon", "output_dir": str(env["out"])})
        )
    run_python_launcher(env["launcher"], resolve, bmd)
    console = capsys.readouterr().out
    assert "Traceback" not in console
    message = console.strip().splitlines()[-1]
    assert message.startswith("Lip Sync: ") and expected in message
    if case != "bad track":  # Studio: the message in a window too
        assert dispatcher.windows[-1].GetItems()["Text"].Text == message[len("Lip Sync: ") :]
    assert snapshot(timeline) == before and timeline.GetTrackCount("video") == 1
