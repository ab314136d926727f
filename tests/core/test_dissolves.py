"""Dissolves between shots: found from the pictures; their frames pass untouched, and a face
after one is a new face.

Before dissolves were looked for, a cross-fade from one speaker to another framed alike was
one face to the tracker (no single frame changes enough to be a cut), and the exemplar
renderer drew the woman's mouth from the man's samples for the rest of her shot (grey lips,
stubble-coloured chin). Real footage: the repository's two seconds of a real speaker
dissolved into its mirror image (her face stays in place, the podium and background change
sides); with ``../shared``, one real speaker dissolved into another.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from lipsync.core.engine import LipSyncEngine
from lipsync.core.face import FaceTracker, TrackerOptions
from lipsync.core.media import iter_frames
from lipsync.core.media.writer import EncodeOptions
from lipsync.core.selection import IN_DISSOLVE
from lipsync.core.shots import END_FRAMES, CutDetector, is_dissolve, thumbnail
from lipsync.core.sync_options import SyncOptions

CLIP = Path(__file__).resolve().parents[1] / "data" / "retalking_face3_2s.mp4"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "real-clips"
START, LENGTH = 0.7, 0.6  # s: where the dissolve starts in the output, and how long it takes
FPS = 25


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def dissolved(tmp_path_factory) -> Path:
    """The real clip dissolving (0.6 s from 0.7 s) into its own mirror image."""
    out = tmp_path_factory.mktemp("dissolve") / "dissolved.mp4"
    _ffmpeg(
        "-i", str(CLIP), "-filter_complex",
        f"[0:v]fps={FPS},format=yuv420p,split[a][b];[b]hflip[m];"
        f"[a][m]xfade=transition=fade:duration={LENGTH}:offset={START}[v]",
        "-map", "[v]", "-c:v", "libx264", "-crf", "16", str(out),
    )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def thumbs() -> list[np.ndarray]:
    return [thumbnail(f.image) for f in iter_frames(CLIP)]


def test_a_mix_of_two_pictures_is_a_dissolve_and_motion_is_not(thumbs):
    first, last = thumbs[0], thumbs[0][:, ::-1].copy()  # the picture and its mirror
    mix = [a * first + (1 - a) * last for a in np.linspace(1.0, 0.0, 11)]
    assert is_dissolve(mix)
    assert is_dissolve([a * first for a in np.linspace(1.0, 0.0, 11)])  # a fade to black
    # a pan: the picture sliding sideways, every frame a shifted copy (no mix of the ends)
    wide = np.hstack([first, last])
    pan = [wide[:, k : k + first.shape[1]] for k in range(0, 61, 6)]
    assert not is_dissolve(pan)
    # the same picture until the last frame: a change at the end, no mix in between
    assert not is_dissolve([first] * 10 + [last])
    # a fade of one picture's light: no change of structure
    assert not is_dissolve([a * first for a in np.linspace(1.0, 0.5, 11)])
    assert not is_dissolve(mix[:4])  # too few frames to tell


def test_the_real_clip_has_no_transition(thumbs):
    detector = CutDetector()
    seen = []
    for f in iter_frames(CLIP):
        detector.starts_shot(f.image)
        seen.append(detector.in_transition)
    assert not any(seen)


def test_a_dissolve_starts_a_shot_and_its_frames_have_no_face(dissolved):
    detector = CutDetector()
    starts, inside = [], []
    for i, f in enumerate(iter_frames(dissolved)):
        if detector.starts_shot(f.image):
            starts.append(i)
        if detector.in_transition:
            inside.append(i)
    begin, end = round(START * FPS), round((START + LENGTH) * FPS)
    assert len(starts) == 1 and begin < starts[0] < end, (starts, begin, end)
    assert inside and inside[0] == starts[0] and inside == list(range(inside[0], inside[-1] + 1))
    # through to the dissolve's end, and no further than the frames that show it has ended
    assert end - 2 <= inside[-1] <= end + END_FRAMES, (inside, end)

    tracker = FaceTracker(TrackerOptions())
    ids = [tuple(o.track_id for o in tracker.update(f.image)) for f in iter_frames(dissolved)]
    before = {i for frame in ids[: starts[0]] for i in frame}
    after = {i for frame in ids[inside[-1] + 1 :] for i in frame}
    assert before == {0}
    assert after and not after & before  # a new face, never the first one's id
    assert all(ids[i] == () for i in inside)
    faces = FaceTracker(TrackerOptions())
    said = [getattr(faces.update(f.image), "dissolve", None) for f in iter_frames(dissolved)]
    assert [i for i, d in enumerate(said) if d] == inside


@pytest.mark.parametrize("length", [8, 15, 25, 40])
def test_a_dissolve_ends_where_the_mix_stops(length):
    """The real clip (its speaker moving) dissolving, linearly over ``length`` frames, into its
    moving mirror image, which then goes on alone: the transition lasts until the outgoing
    picture is all but gone (at most a tenth of it left) and ends within ``END_FRAMES`` + 1
    frames of the last mixed frame (before, it went on as long again as the window that
    showed it: up to 14 frames past the end of real dissolves of 0.4-1.2 s)."""
    frames = [f.image for f in iter_frames(CLIP)]
    start = 10
    if start + length + END_FRAMES + 2 > len(frames):
        frames += frames[::-1]  # the clip played back: motion goes on
    mirror = [f[:, ::-1] for f in frames]

    def share(k: int) -> float:  # of the outgoing picture in frame k
        return min(max(1.0 - (k - start) / length, 0.0), 1.0)

    seq = []
    for k, (f, m) in enumerate(zip(frames, mirror, strict=True)):
        a = share(k)
        seq.append(np.rint(a * f.astype(np.float32) + (1 - a) * m).astype(np.uint8))
    detector = CutDetector()
    starts, inside = [], []
    for k, image in enumerate(seq):
        if detector.starts_shot(image):
            starts.append(k)
        if detector.in_transition:
            inside.append(k)
    last_mixed = start + length - 1
    assert len(starts) == 1 and start < starts[0] <= last_mixed, starts
    assert inside == list(range(starts[0], inside[-1] + 1))
    assert share(inside[-1] + 1) <= 0.1, (inside, last_mixed)
    assert inside[-1] <= last_mixed + END_FRAMES + 1, (inside, last_mixed)


def test_the_mixed_frames_before_a_dissolve_is_seen_are_left_untouched(dissolved, tmp_path):
    """Seen some frames in, a dissolve's earlier frames are still held (the look-ahead): they
    pass untouched too, instead of the outgoing face's mouth drawn whole over a fading face.
    Lossless output, so an untouched frame decodes exactly as its input; the clip's frames
    before the dissolve and after it are lip-synced."""
    detector = CutDetector()
    for i, f in enumerate(iter_frames(dissolved)):
        if detector.starts_shot(f.image):
            seen, mixed = i, detector.mixed_before
            break
    begin = START * FPS  # where the mix starts (the incoming share 0 there, 1/15 a frame)
    assert begin + 1 <= seen - mixed <= begin + 3, (seen, mixed)

    speech = tmp_path / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(speech), "One picture fades into the other."],
                   check=True)  # fmt: skip
    out = tmp_path / "out.mkv"
    report = LipSyncEngine(SyncOptions(encode=EncodeOptions(crf=0))).run(dissolved, speech, out)
    same = [
        np.array_equal(a.image, b.image)
        for a, b in zip(iter_frames(dissolved), iter_frames(out), strict=True)
    ]
    untouched = [i for i, s in enumerate(same) if s]
    end = round((START + LENGTH) * FPS)
    assert untouched[0] == seen - mixed, (untouched, seen, mixed)
    assert untouched == list(range(untouched[0], untouched[-1] + 1))
    assert end - 2 <= untouched[-1] <= end + END_FRAMES, (untouched, end)
    assert report.passed_through == {IN_DISSOLVE: len(untouched)}


def test_without_cut_finding_a_dissolve_is_one_face(dissolved):
    """The behaviour before: one id from the first frame to the last."""
    tracker = FaceTracker(TrackerOptions(new_at_cuts=False))
    ids = [tuple(o.track_id for o in tracker.update(f.image)) for f in iter_frames(dissolved)]
    assert {i for frame in ids for i in frame} == {0}
    assert all(ids)


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/real-clips is absent")
def test_a_dissolve_between_two_real_speakers_keeps_their_mouths_apart(tmp_path):
    """A man dissolving into a woman: two faces, each drawn from its own samples, the
    dissolve's frames untouched."""
    video = tmp_path / "dissolve.mp4"
    _ffmpeg(
        "-i", str(SHARED / "retalking_face1.mp4"), "-i", str(SHARED / "retalking_face3.mp4"),
        "-filter_complex",
        "[0:v]trim=0:2,scale=320:320,fps=25,format=yuv420p,setsar=1[a];"
        "[1:v]trim=0:2.4,scale=320:320,fps=25,format=yuv420p,setsar=1[b];"
        "[a][b]xfade=transition=fade:duration=0.8:offset=1.2[v]",
        "-map", "[v]", "-c:v", "libx264", "-crf", "16", str(video),
    )  # fmt: skip
    speech = tmp_path / "speech.wav"
    subprocess.run(
        ["espeak-ng", "-w", str(speech), "Two people, one after the other, each with a mouth of "
         "their own."],
        check=True,
    )  # fmt: skip
    engine = LipSyncEngine(SyncOptions(renderer="auto"))
    report = engine.run(video, speech, tmp_path / "out.mp4")
    assert sorted(report.faces) == [0, 1], engine.renderer.verdicts()
    inside = report.passed_through.get(IN_DISSOLVE, 0)
    assert 16 <= inside <= 26, report.passed_through  # the dissolve's frames: 0.8 s = 20
    assert set(report.passed_through) == {IN_DISSOLVE}
    assert report.rendered + inside == report.frames
    for verdict in engine.renderer.verdicts().values():  # each from its own shot only
        assert int(verdict.split(" from ")[1].split()[0]) <= 60, verdict
