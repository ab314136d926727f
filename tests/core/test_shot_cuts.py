"""Hard cuts between shots: found from the pictures, and a face after a cut is a new face.

Before cuts were looked for, a face in the next shot sitting where the last shot's face was
kept its id, so the exemplar renderer drew the new person's mouth from the last person's
samples (a man's stubble smeared into a woman's chin). Real footage: the repository's two
seconds of a real speaker, cut into shots by mirroring every other run of 12 frames (her face
stays in place, as in a cut between two people framed alike; the podium and the background
change sides), with a flash in the first shot; with ``../shared``, a cut from one real speaker
to another.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from lipsync.core.engine import LipSyncEngine, decoded_frames
from lipsync.core.face import FaceTracker, TrackerOptions
from lipsync.core.media import iter_frames, open_video
from lipsync.core.selection import NOT_SELECTED, SelectionOptions
from lipsync.core.shots import MIN_SHOT_FRAMES, CutDetector, find_cuts
from lipsync.core.speech import MouthCurve
from lipsync.core.sync_options import SyncOptions
from lipsync.core.sync_stream import SyncStream

CLIP = Path(__file__).resolve().parents[1] / "data" / "retalking_face3_2s.mp4"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "real-clips"
SHOT = 12  # frames per shot of the graded clip
CUTS = [12, 24, 36]
FLASH = 5  # a frame of the first shot brightened as by a photographer's flash: no cut


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """The real clip (51 frames) with every other run of 12 frames mirrored (4 shots) and a
    flash in the first."""
    out = tmp_path_factory.mktemp("shots") / "shots.mp4"
    mirrored = f"between(n,{CUTS[0]},{CUTS[1] - 1})+gte(n,{CUTS[2]})"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(CLIP), "-filter_complex",
         f"[0:v]split[a][b];[b]hflip[m];[a][m]overlay=enable='{mirrored}',"
         f"eq=brightness=0.3:contrast=1.3:enable='eq(n,{FLASH})'",
         "-an", "-c:v", "libx264", "-crf", "16", str(out)],
        check=True,
    )  # fmt: skip
    return out


def _ids(video: Path, **options) -> list[tuple[int, ...]]:
    tracker = FaceTracker(TrackerOptions(**options))
    return [tuple(f.track_id for f in tracker.update(fr.image)) for fr in iter_frames(video)]


def test_the_cut_rule_on_changes():
    steady = [0.0] + [3.0] * 20
    assert find_cuts(np.array(steady)) == []
    cut = steady.copy()
    cut[10] = 60.0
    assert find_cuts(np.array(cut)) == [10]
    flash = cut.copy()
    flash[10 + MIN_SHOT_FRAMES - 1] = 60.0  # a second jump too soon: part of the first
    assert find_cuts(np.array(flash)) == [10]
    # every frame changes a lot (a pan): the first change, with nothing before it to judge
    # by, may be a cut; the rest are not, even one twice as large
    panning = [0.0] + [40.0] * 20
    panning[12] = 90.0
    assert find_cuts(np.array(panning)) == [1]
    assert find_cuts(np.array([0.0, 35.0])) == [1]
    assert find_cuts(np.zeros(0)) == []
    # a large change of brightness alone (a flash, an exposure step) is no cut
    structures = np.full(len(cut), 0.02)
    assert find_cuts(np.array(cut), structures) == []
    structures[10] = 0.9
    assert find_cuts(np.array(cut), structures) == [10]


def test_cuts_are_found_in_real_footage_and_nowhere_else(shots):
    detector = CutDetector()
    found = [fr.index for fr in iter_frames(shots) if detector.starts_shot(fr.image)]
    assert found == CUTS
    detector = CutDetector()  # the same speaker as recorded: talking, nodding, no cut
    assert not any(detector.starts_shot(fr.image) for fr in iter_frames(CLIP))


def test_a_face_after_a_cut_is_a_new_face(shots):
    ids = _ids(shots)
    assert all(len(i) == 1 for i in ids), ids
    runs = [ids[c : c + SHOT] for c in (0, *CUTS)]
    assert all(len(set(run)) == 1 for run in runs), runs
    assert len({run[0] for run in runs}) == 4
    # the flash did not end the first shot's face; without looking for cuts the face in the
    # same place keeps its id through every shot
    assert len(set(_ids(shots, new_at_cuts=False))) == 1


def test_one_speaker_in_several_shots_is_chosen_by_their_ids(shots):
    """``--face 0,2``: the face of the first and the third shot, the others left untouched."""
    first = _ids(shots)
    wanted = (first[0][0], first[CUTS[1]][0])
    options = SyncOptions(
        renderer="warp", selection=SelectionOptions(face=f"{wanted[1]},{wanted[0]}")
    )
    with open_video(shots) as reader:
        info = reader.info
        stream = SyncStream(
            LipSyncEngine(options).renderer, options, info, MouthCurve((), "silence", 25.0)
        )
        list(stream.run(decoded_frames(reader.iter_decoded(), info)))
    frames = sum(1 for _ in iter_frames(shots))
    assert stream.rendered == 2 * SHOT
    assert stream.counts == {NOT_SELECTED: frames - 2 * SHOT}


def test_a_long_run_of_shots_holds_only_the_current_faces(shots):
    """Each shot's face gets its own samples, and a face that has ended is let go of: with a
    look-ahead shorter than a shot, the appearance builders and the renderer's banks hold at
    most the faces of two shots (the one leaving, the one arriving), never all four."""
    engine = LipSyncEngine(SyncOptions(renderer="auto", lookahead=0.2))
    renderer = engine.renderer
    held: list[tuple[int, int]] = []
    render_batch = renderer.render_batch

    def counted(jobs):
        held.append((len(stream._builders), len(renderer._banks)))
        return render_batch(jobs)

    renderer.render_batch = counted
    with open_video(shots) as reader:
        info = reader.info
        stream = SyncStream(renderer, engine.options, info, MouthCurve((), "silence", 25.0))
        out = list(stream.run(decoded_frames(reader.iter_decoded(), info)))
    frames = sum(1 for _ in iter_frames(shots))
    assert len(out) == frames and stream.rendered == frames
    assert held and max(b for b, _ in held) <= 2 and max(k for _, k in held) <= 2
    verdicts = renderer.verdicts()
    assert len(verdicts) == 4, verdicts
    learnt = [int(v.split(" from ")[1].split()[0]) for v in verdicts.values()]
    assert max(learnt) <= frames - CUTS[-1], verdicts  # no bank learnt across a cut
    assert stream._builders == {} and renderer._banks == {}


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/real-clips is not here")
def test_a_cut_between_two_real_speakers_keeps_their_mouths_apart(tmp_path):
    """A man, then a woman framed alike: two faces, each drawn from its own shot only."""
    video = tmp_path / "two.mp4"
    speech = tmp_path / "speech.wav"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-y",
         "-ss", "1", "-t", "1.2", "-i", str(SHARED / "retalking_face1.mp4"),
         "-ss", "1", "-t", "1.2", "-i", str(SHARED / "retalking_face3.mp4"),
         "-filter_complex",
         "[0:v]fps=25,scale=320:320,setsar=1[a];[1:v]fps=25,scale=320:320,setsar=1[b];"
         "[a][b]concat=n=2:v=1:a=0[v];[0:a][1:a]concat=n=2:v=0:a=1[s]",
         "-map", "[v]", "-c:v", "libx264", "-crf", "16", str(video),
         "-map", "[s]", "-ac", "1", "-ar", "16000", str(speech)],
        check=True,
    )  # fmt: skip
    engine = LipSyncEngine(SyncOptions(renderer="auto"))
    report = engine.run(video, speech, tmp_path / "out.mp4")
    assert report.rendered == report.frames
    assert sorted(report.faces) == [0, 1]
    for verdict in engine.renderer.verdicts().values():  # each from about its own 30 frames
        assert int(verdict.split(" from ")[1].split()[0]) <= report.frames // 2 + 2, verdict


def test_a_film_of_many_faces_is_summed_up_in_one_log_line(caplog):
    """Each shot's faces are new faces: past a few, the log counts them by renderer in one
    line (each face at debug level, and all in the report)."""
    import logging

    from lipsync.core.engine import TRACK_LINES, log_tracks

    few = {"0": "exemplar: 12 aperture steps in 31 samples (this footage) from 183 frames"}
    many = {
        str(k): (
            "exemplar: 12 aperture steps in 31 samples (this footage) from 183 frames"
            if k % 3
            else f"exemplar over warp ({20 + k}%): 4 aperture steps in 5 samples (this footage) "
            "from 20 frames, a short shot"
        )
        for k in range(TRACK_LINES + 4)
    }
    with caplog.at_level(logging.INFO, logger="lipsync"):
        log_tracks(few)
        log_tracks(many)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == f"face 0: {few['0']}"
    assert lines[1:] == [
        f"{len(many)} faces: 8 exemplar, 4 exemplar over warp (each face: -v, or "
        "renderer_tracks in --report)"
    ]


def test_a_profile_learns_from_the_shots_it_is_given(shots):
    """By default a profile takes the face seen in most frames: now the longest shot; given
    every shot's id (``--face`` repeated) it learns from all of them."""
    from lipsync.core.profile_build import build_profile

    frames = sum(1 for _ in iter_frames(shots))
    longest = build_profile([shots])
    assert longest.frames == frames - CUTS[-1]
    ids = {i for seen in _ids(shots) for i in seen}
    every = build_profile([shots], faces=ids)
    assert every.frames == frames
    assert len(every.exemplars) >= len(longest.exemplars)
