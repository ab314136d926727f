"""A Resolve project to lip-sync, built through the fake API: generated media, a timeline with
picture on V1, the original sound on A1 and the dub on A2, and an installed launcher."""

from __future__ import annotations

from pathlib import Path

from integrations.resolve.fake_resolve import (
    FakeBmd,
    FakeDispatcher,
    FakeFusion,
    FakeResolve,
    FakeUIManager,
)
from mediatools import ffmpeg

from lipsync.integrations.resolve import installer

START = 90000  # 01:00:00:00 at 25 fps


def make_media(folder: Path) -> dict[str, Path]:
    """pic.mov: 96x64 25 fps, 4 s, timecode 01:00:00:00 (frames 90000..90099); dub.wav 4 s."""
    pic, dub = folder / "pic.mov", folder / "dub.wav"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25:duration=4",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "10", "-g", "10",
        "-pix_fmt", "yuv420p", "-timecode", "01:00:00:00", str(pic),
    )  # fmt: skip
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=4:sample_rate=48000", str(dub))
    return {"pic": pic, "dub": dub}


def make_resolve(media: dict[str, Path], version=(19, 0, 3, 7, ""), studio=True, user=None):
    """A running Resolve with the project "Dub" and its timeline "Scene 1" open:

    V1: gap 5 | A (source 90010, 20 frames) | gap 10 | B (source 90050, 15 frames)
    A1: the picture's sound stand-in (dub.wav) under everything
    A2 "Spanish dub": dub.wav from record frame 0, 60 frames
    """
    product = "DaVinci Resolve Studio" if studio else "DaVinci Resolve"
    resolve = FakeResolve(version=version, product=product)
    dispatcher = FakeDispatcher(user)
    resolve.fusion = FakeFusion(FakeUIManager() if studio else None)
    project = resolve.GetProjectManager().CreateProject("Dub")
    pool = project.GetMediaPool()
    pic, dub = pool.ImportMedia([str(media["pic"]), str(media["dub"])])
    timeline = pool.CreateEmptyTimeline("Scene 1")
    assert timeline.AddTrack("video") and timeline.AddTrack("audio") and timeline.AddTrack("audio")
    timeline.SetTrackName("audio", 2, "Spanish dub")
    placed = pool.AppendToTimeline(
        [
            _info(pic, 10, 29, 1, START + 5, 1),
            _info(pic, 50, 64, 1, START + 35, 1),
            _info(dub, 0, 59, 1, START, 2),
            _info(dub, 0, 59, 2, START, 2),
        ]
    )
    assert len(placed) == 4
    bmd = FakeBmd(dispatcher)
    return resolve, bmd, dispatcher


def _info(item, start, end, track, record, media_type):
    return {
        "mediaPoolItem": item, "startFrame": start, "endFrame": end, "trackIndex": track,
        "recordFrame": record, "mediaType": media_type,
    }  # fmt: skip


def install_launchers(folder: Path) -> Path:
    """The launchers installed under ``folder`` (a Scripts folder) for this environment."""
    installer.install(folder)
    return folder


def run_python_launcher(path: Path, resolve, bmd) -> None:
    """Run an installed Python launcher as Resolve's Scripts menu does: its globals hold
    ``resolve``, ``fusion`` and ``bmd``; what it prints goes to the console (stdout)."""
    scope = {"__name__": "__main__", "resolve": resolve, "fusion": resolve.Fusion(), "bmd": bmd}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), scope)
