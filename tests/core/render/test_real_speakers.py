"""The warp on a real speaker (issue 19), judged with dlib's 68 points, not our tracker.

The clip is two seconds of a real woman speaking (tests/data/retalking_face3_2s.mp4, see
tests/data/README.md). Following the true-mouth protocol its frames are reversed, so the mouth
in the input does not match the speech; the dub is half a second of silence and then her own
speech.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from judge import DlibJudge

from lipsync.core.face import FaceTracker
from lipsync.core.render import AppearanceBuilder, WarpRenderer

CLIP = Path(__file__).resolve().parents[2] / "data" / "retalking_face3_2s.mp4"
SILENCE = 0.8  # s of silence at the start of the dub
CLOSED = np.array([0.0, 0.0, 0.0, 1.0, 0.0, 0.0], np.float32)  # closure = 1


def _frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as c:
        return [np.ascontiguousarray(f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def judge() -> DlibJudge:
    return DlibJudge()


def _apertures(judge: DlibJudge, frames: list[np.ndarray]) -> np.ndarray:
    out = []
    for image in frames:
        pts = judge.points(image)
        out.append(np.nan if pts is None else judge.aperture(pts))
    return np.array(out)


@pytest.fixture(scope="module")
def synced(tmp_path_factory, judge) -> dict[str, np.ndarray]:
    """Apertures (IO) per frame of the real clip, the reversed input and the lip-synced output."""
    folder = tmp_path_factory.mktemp("real")
    rev, dub, out = folder / "rev.mp4", folder / "dub.wav", folder / "out.mp4"
    _ffmpeg("-i", str(CLIP), "-vf", "reverse", "-an", "-c:v", "libx264", "-crf", "10", str(rev))
    _ffmpeg(
        "-i", str(CLIP), "-filter_complex",
        f"anullsrc=r=16000:cl=mono,atrim=0:{SILENCE}[s];[0:a]aresample=16000,atrim=0:"
        f"{2.0 - SILENCE}[a];[s][a]concat=n=2:v=0:a=1",
        "-ac", "1", "-ar", "16000", str(dub),
    )  # fmt: skip
    lipsync = str(Path(sys.executable).with_name("lipsync"))
    run = subprocess.run(
        [lipsync, "sync", str(rev), str(dub), "-o", str(out), "--crf", "12", "--no-check"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    return {
        "real": _apertures(judge, _frames(CLIP)),
        "input": _apertures(judge, _frames(rev)),
        "output": _apertures(judge, _frames(out)),
    }


def test_leading_silence_shows_the_speakers_rest(synced):
    real, given, got = synced["real"], synced["input"], synced["output"]
    rest = max(float(np.nanpercentile(real, 20)), 0.03)
    quiet = slice(0, round((SILENCE - 0.2) * 25))  # before the first sound is anticipated
    assert np.nanmean(given[quiet]) > rest + 0.03  # the input is speaking there
    assert np.nanmean(got[quiet]) <= rest + 0.02, (got[quiet], rest)


def test_opening_stays_in_the_speakers_own_range(synced):
    real, got = synced["real"], synced["output"]
    speaking = got[round((SILENCE + 0.1) * 25) :]
    widest = float(np.nanpercentile(real, 98))
    assert np.nanpercentile(speaking, 95) <= 1.15 * widest, (speaking, widest)
    assert np.nanpercentile(speaking, 95) >= 0.4 * float(np.nanpercentile(real, 95))


def _tooth_pixels(image: np.ndarray, pts: np.ndarray) -> int:
    """Bright, unsaturated pixels (teeth) inside the outer-lip contour (dlib 48-59)."""
    mask = np.zeros(image.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(pts[48:60]).astype(np.int32)], 1)
    hsv = cv2.cvtColor(image, cv2.COLOR_RGB2HSV)
    teeth = (hsv[:, :, 2] > 165) & (hsv[:, :, 1] < 70)
    return int((teeth & mask.astype(bool)).sum())


def test_closed_lips_show_no_teeth_over_an_open_source(judge):
    frames = _frames(CLIP)
    tracker, builder = FaceTracker(), AppearanceBuilder()
    faces = []
    for image in frames:
        found = tracker.update(image)
        faces.append(found[0] if found else None)
        if found:
            builder.add(image, found[0])
    appearance = builder.build()
    renderer = WarpRenderer()
    before = after = 0
    for image, face in zip(frames, faces, strict=True):
        pts = judge.points(image)
        if face is None or pts is None or judge.aperture(pts) < 0.15:
            continue  # only frames whose own mouth is open
        closed = renderer.render(image, face, CLOSED, appearance)
        shut = judge.points(closed)
        assert shut is not None
        before += _tooth_pixels(image, pts)
        after += _tooth_pixels(closed, shut)
    assert before >= 200  # the source shows its teeth
    assert after <= 0.03 * before, (after, before)
