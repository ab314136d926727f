"""The true-mouth figures over several sub-frame phases of the same speech: how far they move.

``bench/real_faces.py`` scores each renderer once per true-mouth clip. The audio-only analysis
decodes the speech in 10 ms frames from the file's first sample, and moving the speech a few
milliseconds (a lead-in of 2.5 or 5 ms of silence: less than a sixth of a video frame, no lip
sync difference anyone could see) makes the recogniser choose other phones here and there. On
retalking_face3 that alone moved the whole-file mouth target's r against the real speaker
between 0.21 and 0.43, and a renderer's r moves with it. This bench lip-syncs each true-mouth
clip (``../shared/real-clips/README.md``: the frames reversed, the clip's own speech) once per
lead-in in ``--phases`` and renderer, measures the output against the real speaker with dlib's
68 points (``bench/true_mouth.py``, as ``real_faces.py`` does: r of the inner-lip aperture, best
within +-1 frame of lag 0; LMD in % of the inter-ocular distance) and prints each run, then per
clip and renderer the mean and the range over the phases. Two renderers compared in one phase
can differ by less than one renderer differs from itself between phases.

    .venv/bin/python bench/true_mouth_phases.py [--clips retalking_face1,retalking_face3]
        [--renderers warp,auto] [--phases 0,2.5,5] [--out bench/out/true_mouth_phases]
        [--lipsync COMMAND]
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import true_mouth as tm
from benchtools import exe, ffmpeg
from real_faces import INPUT_CRF, constant_rate

from lipsync.core.media import iter_frames, load_audio, save_audio

CLIPS = Path(__file__).resolve().parents[2] / "shared" / "real-clips"
RATE = 16000


def lipsync(cmd: list[str], video: Path, audio: Path, out: Path, renderer: str) -> None:
    """``lipsync sync`` (``cmd``: the command that runs lipsync) at the inputs' own quality
    (as ``real_faces.py`` runs it)."""
    subprocess.run(
        [*cmd, "-q", "sync", str(video), str(audio), "-o", str(out),
         "--renderer", renderer, "--crf", str(INPUT_CRF), "--tune", "none"],
        check=True,
    )  # fmt: skip


def lead_in(speech: np.ndarray, ms: float) -> np.ndarray:
    """``speech`` (mono float32 at :data:`RATE`) after ``ms`` of silence."""
    pad = round(ms * RATE / 1000.0)
    return np.concatenate([np.zeros(pad, np.float32), speech]) if pad else speech


def scores(path: Path, truth: list, marks: tm.Landmarker) -> tuple[float, float]:
    """(r best within +-1 frame, LMD %) of the video at ``path`` against ``truth``'s points."""
    points = [marks.points(f.image) for f in iter_frames(path)]
    n = min(len(points), len(truth))
    ap = np.array([tm.aperture(p) for p in points[:n]])
    real = np.array([tm.aperture(p) for p in truth[:n]])
    return tm.best_lag(ap, real, 1)[0], 100.0 * tm.lmd(points[:n], truth[:n])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default="retalking_face1,retalking_face3")
    parser.add_argument("--renderers", default="warp,auto")
    parser.add_argument("--phases", default="0,2.5,5", help="ms of silence before the speech")
    parser.add_argument("--out", type=Path, default=Path("bench/out/true_mouth_phases"))
    parser.add_argument(
        "--lipsync",
        help="command that runs lipsync (default: the venv's); another commit's checkout as in "
        "real_faces.py --lipsync",
    )
    args = parser.parse_args()
    cmd = shlex.split(args.lipsync) if args.lipsync else [exe("lipsync")]
    if not CLIPS.exists():
        sys.exit(f"{CLIPS} is missing: this bench needs ../shared/real-clips")
    phases = [float(v) for v in args.phases.split(",")]
    renderers = [r for r in args.renderers.split(",") if r]
    marks = tm.Landmarker()
    for clip in args.clips.split(","):
        src = CLIPS / f"{clip}.mp4"
        work = args.out / clip
        work.mkdir(parents=True, exist_ok=True)
        truth_video = constant_rate(src, work / "truth.mp4", None)
        rev = constant_rate(src, work / "rev.mp4", None, reverse=True)
        wav = work / "speech.wav"
        ffmpeg("-i", str(src), "-vn", "-ac", "1", "-ar", str(RATE), str(wav))
        speech = load_audio(wav, RATE)
        truth = [marks.points(f.image) for f in iter_frames(truth_video)]
        got: dict[str, list[tuple[float, float]]] = {r: [] for r in renderers}
        for ms in phases:
            # no lead-in: the extracted speech itself (as real_faces.py feeds it, bit for bit)
            shifted = (
                save_audio(work / f"speech_{ms:g}ms.wav", lead_in(speech, ms), RATE) if ms else wav
            )
            for renderer in renderers:
                out = work / f"out_{renderer}_{ms:g}ms.mp4"
                lipsync(cmd, rev, Path(shifted), out, renderer)
                r, lmd = scores(out, truth, marks)
                got[renderer].append((r, lmd))
                print(f"{clip} {renderer:<8} lead-in {ms:4g} ms: r {r:5.2f}  LMD {lmd:4.2f}%",
                      flush=True)  # fmt: skip
        for renderer, runs in got.items():
            r = np.array([a for a, _ in runs])
            lmd = np.array([b for _, b in runs])
            print(
                f"{clip} {renderer:<8} over {len(runs)} phases: r mean {r.mean():5.2f} "
                f"(range {r.min():.2f}-{r.max():.2f}), LMD mean {lmd.mean():4.2f}% "
                f"(range {lmd.min():.2f}-{lmd.max():.2f})",
                flush=True,
            )


if __name__ == "__main__":
    main()
