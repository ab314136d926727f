"""Lip sync in a live pipe against the same clip lip-synced offline, by the true-mouth protocol.

For each clip whose own speech is in sync (``../shared/real-clips/README.md``): its frames
reversed (``rev.mp4``: the same face, the mouth no longer matching), and its speech;

- offline: ``lipsync sync rev.mp4 speech.wav --renderer R``;
- live: ``ffmpeg -re`` plays ``rev.mp4`` with the speech as one NUT stream (raw video, PCM
  audio) in real time into ``lipsync-filter -f nut --audio-from-stream --live --renderer R``
  (the speech analysed as it arrives, each frame leaving ``--live-delay`` after it came in, a
  frame not finished by then untouched), its output encoded by a second ffmpeg.

Both outputs are measured with ``bench/true_mouth.py``'s dlib landmarker and series functions
against the real speaker (the clip at a constant rate): Pearson r of the inner-lip aperture at
lag 0 and the best lag within +-1 frame; ``rev.mp4`` itself is the chance level. Printed per
clip with the live run's frames rendered and untouched. Goal (issue 21): live r within 0.1 of
offline. ``--readrate 0.4`` feeds the live filter slower than real time, as a machine 2.5x faster
(or one not shared) would see it: the quality of live analysis apart from its CPU.

    .venv/bin/python bench/live_true_mouth.py [--clips retalking_face1,retalking_face3]
        [--renderer warp] [--out bench/out/live_true_mouth] [--readrate 1] [-- FILTER OPTIONS]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import true_mouth as tm
from benchtools import exe, ffmpeg
from real_faces import constant_rate

from lipsync.core.constants import LIVE_RENDERER
from lipsync.core.media import iter_frames

CLIPS = Path(__file__).resolve().parents[2] / "shared" / "real-clips"
TRUE_CLIPS = "retalking_face1,retalking_face3"


def offline(rev: Path, speech: Path, out: Path, renderer: str) -> None:
    subprocess.run(
        [exe("lipsync"), "-q", "sync", str(rev), str(speech), "-o", str(out),
         "--renderer", renderer],
        check=True,
    )  # fmt: skip


def live(
    rev: Path, speech: Path, out: Path, renderer: str, extra: list[str], rate: float = 1.0
) -> str:
    """``rev`` and ``speech`` played at ``rate`` times real time through the live filter
    into ``out``; the filter's stderr (its counts)."""
    pace = ["-readrate", f"{rate:g}"]
    source = subprocess.Popen(
        [exe("ffmpeg"), "-nostdin", "-v", "error", *pace, "-i", str(rev), *pace, "-i",
         str(speech), "-map", "0:v", "-map", "1:a", "-c:v", "rawvideo", "-c:a", "pcm_s16le",
         "-f", "nut", "-"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    middle = subprocess.Popen(
        [exe("lipsync-filter"), "-f", "nut", "--audio-from-stream", "--live", "--renderer",
         renderer, *extra],
        stdin=source.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    source.stdout.close()
    sink = subprocess.Popen(
        [exe("ffmpeg"), "-nostdin", "-v", "error", "-y", "-f", "nut", "-i", "-", "-map", "0:v",
         "-c:v", "libx264", "-crf", "10", "-preset", "veryfast", "-pix_fmt", "yuv420p",
         str(out)],
        stdin=middle.stdout,
    )  # fmt: skip
    middle.stdout.close()
    err = middle.stderr.read().decode(errors="replace")
    codes = [sink.wait(), middle.wait(), source.wait()]
    if any(codes):
        sys.exit(f"the live pipe failed: exit codes {codes}: {err[-800:]}")
    return err


def apertures(path: Path) -> np.ndarray:
    marks = tm.Landmarker()
    return np.array([tm.aperture(marks.points(f.image)) for f in iter_frames(path)])


def figures(name: str, ap: np.ndarray, truth: np.ndarray) -> str:
    r0 = tm.lagged(ap, truth, 0)
    best, lag = tm.best_lag(ap, truth, 1)
    return f"{name:<8} r lag 0 {r0:5.2f}  best +-1 {best:5.2f} (lag {lag:+d})"


def run(clip: str, renderer: str, out: Path, extra: list[str], rate: float = 1.0) -> dict:
    src = CLIPS / f"{clip}.mp4"
    work = out / clip
    work.mkdir(parents=True, exist_ok=True)
    constant_rate(src, work / "truth.mp4", None)
    rev = constant_rate(src, work / "rev.mp4", None, reverse=True)
    speech = work / "speech.wav"
    ffmpeg("-i", str(src), "-vn", "-ac", "1", "-ar", "16000", str(speech))
    offline(rev, speech, work / "offline.mp4", renderer)
    log = live(rev, speech, work / "live.mp4", renderer, extra, rate)
    (work / "live_stderr.txt").write_text(log)
    counts = re.findall(r"lipsync: .*(?:frames|untouched).*", log)
    series = {k: apertures(work / f"{k}.mp4") for k in ("truth", "rev", "offline", "live")}
    r = {
        k: (tm.lagged(series[k], series["truth"], 0), tm.best_lag(series[k], series["truth"], 1))
        for k in ("rev", "offline", "live")
    }
    print(
        f"{clip} ({len(series['truth'])} frames, renderer {renderer}, live fed at {rate:g}x "
        "real time):",
        flush=True,
    )
    for k in ("rev", "offline", "live"):
        print("  " + figures(k, series[k], series["truth"]), flush=True)
    for line in counts[-3:]:
        print("  live filter: " + line.removeprefix("lipsync: "), flush=True)
    gap0 = r["offline"][0] - r["live"][0]
    gap1 = r["offline"][1][0] - r["live"][1][0]
    print(f"  offline - live: lag 0 {gap0:+.2f}, best +-1 {gap1:+.2f} (goal <= 0.1)", flush=True)
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default=TRUE_CLIPS)
    parser.add_argument("--renderer", default=LIVE_RENDERER, help="both runs (live's default)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/live_true_mouth"))
    parser.add_argument(
        "--readrate", type=float, default=1.0,
        help="feed the live filter at this many times real time (below 1: as if the machine "
        "were that much faster; the quality of live analysis apart from its CPU)",
    )  # fmt: skip
    parser.add_argument("extra", nargs="*", help="options of lipsync-filter (after --)")
    args = parser.parse_args()
    if not CLIPS.exists():
        sys.exit(f"{CLIPS} is missing: this bench needs ../shared/real-clips")
    for clip in args.clips.split(","):
        run(clip, args.renderer, args.out, args.extra, args.readrate)


if __name__ == "__main__":
    main()
