"""Lip sync in a live pipe against the same clip lip-synced offline, by the true-mouth protocol.

For each clip whose own speech is in sync (``../shared/real-clips/README.md``): its frames
reversed (``rev.mp4``: the same face, the mouth no longer matching), and its speech;

- offline: ``lipsync sync rev.mp4 speech.wav --renderer R``;
- live: ``ffmpeg -re`` plays ``rev.mp4`` with the speech as one NUT stream (raw video, PCM
  audio) in real time into ``lipsync-filter -f nut --audio-from-stream --live --renderer R``
  (the speech analysed as it arrives, each frame leaving ``--live-delay`` after it came in, a
  frame not finished by then untouched), its output encoded by a second ffmpeg. The clip and
  its speech are played twice in a row and the second time is measured (``--cold``: the
  first): a live stream runs long before and after any 6 s of it, as offline every frame is
  learnt from the whole clip; a cold start spends the first ~1.3 s on the filter's start
  (imports, models, speech process, while the source already plays), and the frames queued
  meanwhile arrive at once and pass untouched (27 of face1's first 29 at 1x).

Without ``--cold`` the twice-played clip is also lip-synced offline (``offline_twice``, its
second pass measured): the speech heard twice in a row is analysed differently the second time
(on face3 the whole-file mouth target's r against the real speaker, best within +-1 frame,
falls from 0.45 to 0.31; on face1 it is 0.55 and 0.56: the recogniser's phones shift with what
came before), so the live run is compared both with
the clip lip-synced offline once (issue 21's figure) and with offline on its own input.

The outputs are measured with ``bench/true_mouth.py``'s dlib landmarker and series functions
against the real speaker (the clip at a constant rate): Pearson r of the inner-lip aperture at
lag 0 and the best lag within +-1 frame; ``rev.mp4`` itself is the chance level. Printed per
clip with the live run's frames rendered and untouched. Goal (issue 21): live r within 0.1 of
offline. ``--readrate 0.4`` feeds the live filter slower than real time, as a machine 2.5x faster
(or one not shared) would see it: the quality of live analysis apart from its CPU. Everything
then takes 1/R times as long on the wall clock, the speech's look-ahead too, so the filter's
``--live-delay`` is stretched by as much (0.16 s of stream time, 0.4 s on the wall at 0.4x):
with 0.16 s on the wall a frame's 0.08 s of look-ahead arrived 0.2 s after it, too late for
most frames (106 of 183 on face1 rendered before their speech was analysed).

    .venv/bin/python bench/live_true_mouth.py [--clips retalking_face1,retalking_face3]
        [--renderer warp] [--out bench/out/live_true_mouth] [--readrate 1] [--repeat 1]
        [-- FILTER OPTIONS]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import true_mouth as tm
from benchtools import exe, ffmpeg
from real_faces import INPUT_CRF, base_rate, constant_rate

from lipsync.core.constants import LIVE_RENDERER
from lipsync.core.live import LIVE_DELAY_SECONDS
from lipsync.core.media import iter_frames

CLIPS = Path(__file__).resolve().parents[2] / "shared" / "real-clips"
TRUE_CLIPS = "retalking_face1,retalking_face3"


def offline(rev: Path, speech: Path, out: Path, renderer: str) -> None:
    subprocess.run(
        [exe("lipsync"), "-q", "sync", str(rev), str(speech), "-o", str(out),
         "--renderer", renderer],
        check=True,
    )  # fmt: skip


def played_twice(rev: Path, speech: Path, frames: int, work: Path) -> tuple[Path, Path]:
    """``rev`` (``frames`` frames) and ``speech`` (cut or padded to the same length) played
    twice in a row: the first time is the live stream's lead-in."""
    fps = Fraction(base_rate(rev))
    video, audio = work / "rev_twice.mp4", work / "speech_twice.wav"
    ffmpeg("-stream_loop", "1", "-i", str(rev), "-c:v", "libx264", "-crf", str(INPUT_CRF),
           "-preset", "veryfast", "-pix_fmt", "yuv420p", str(video))  # fmt: skip
    seconds = float(frames / fps)
    once = work / "speech_once.wav"
    ffmpeg("-i", str(speech), "-af", f"apad,atrim=0:{seconds:.6f}", str(once))
    ffmpeg("-stream_loop", "1", "-i", str(once), str(audio))
    return video, audio


def live(
    rev: Path, speech: Path, out: Path, renderer: str, extra: list[str], rate: float = 1.0
) -> str:
    """``rev`` and ``speech`` played at ``rate`` times real time through the live filter
    into ``out``; the filter's stderr (its counts)."""
    pace = ["-readrate", f"{rate:g}"]
    if not any(e.startswith("--live-delay") for e in extra):  # the same delay in stream time
        extra = [*extra, "--live-delay", f"{LIVE_DELAY_SECONDS / rate:.3f}"]
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


def apertures(path: Path, skip: int = 0) -> np.ndarray:
    marks = tm.Landmarker()
    return np.array(
        [tm.aperture(marks.points(f.image)) for k, f in enumerate(iter_frames(path)) if k >= skip]
    )


def figures(name: str, ap: np.ndarray, truth: np.ndarray) -> str:
    r0 = tm.lagged(ap, truth, 0)
    best, lag = tm.best_lag(ap, truth, 1)
    return f"{name:<13} r lag 0 {r0:5.2f}  best +-1 {best:5.2f} (lag {lag:+d})"


def run(
    clip: str,
    renderer: str,
    out: Path,
    extra: list[str],
    rate: float = 1.0,
    cold: bool = False,
    repeat: int = 1,
) -> dict:
    src = CLIPS / f"{clip}.mp4"
    work = out / clip
    work.mkdir(parents=True, exist_ok=True)
    constant_rate(src, work / "truth.mp4", None)
    rev = constant_rate(src, work / "rev.mp4", None, reverse=True)
    speech = work / "speech.wav"
    ffmpeg("-i", str(src), "-vn", "-ac", "1", "-ar", "16000", str(speech))
    offline(rev, speech, work / "offline.mp4", renderer)
    frames = sum(1 for _ in iter_frames(rev))
    fed, fed_speech, skip = rev, speech, 0
    if not cold:
        (fed, fed_speech), skip = played_twice(rev, speech, frames, work), frames
    names = ["rev", "offline", "live"]
    if not cold:  # offline on the live run's own input: the speech heard twice, as live hears it
        offline(fed, fed_speech, work / "offline_twice.mp4", renderer)
        names.insert(2, "offline_twice")
    # the live runs differ with the machine's moment: see --repeat
    runs = ["live"] if repeat == 1 else [f"live_{k + 1}" for k in range(repeat)]
    logs = []
    for name in runs:
        logs.append(live(fed, fed_speech, work / f"{name}.mp4", renderer, extra, rate))
        (work / f"{name}_stderr.txt").write_text(logs[-1])
    names = names[:-1] + runs
    series = {
        k: apertures(work / f"{k}.mp4", skip if k.startswith("live") or k == "offline_twice" else 0)
        for k in ("truth", *names)
    }
    r = {
        k: (tm.lagged(series[k], series["truth"], 0), tm.best_lag(series[k], series["truth"], 1))
        for k in names
    }
    if repeat > 1:  # the median run's r, per measure
        r["live"] = (
            float(np.median([r[k][0] for k in runs])),
            (float(np.median([r[k][1][0] for k in runs])), 0),
        )
    print(
        f"{clip} ({len(series['truth'])} frames, renderer {renderer}, live fed at {rate:g}x "
        f"real time{'' if cold else ', the second time through'}):",
        flush=True,
    )
    for k in names:
        print("  " + figures(k, series[k], series["truth"]), flush=True)
    for name, log in zip(runs, logs, strict=True):
        for line in re.findall(r"lipsync: .*(?:frames|untouched).*", log)[-1:]:
            print(f"  {name} filter: " + line.removeprefix("lipsync: "), flush=True)
    if repeat > 1:
        print(
            f"  live median of {repeat}: r lag 0 {r['live'][0]:5.2f}  best +-1 "
            f"{r['live'][1][0]:5.2f} (runs {min(r[k][1][0] for k in runs):.2f}-"
            f"{max(r[k][1][0] for k in runs):.2f})",
            flush=True,
        )
    for k in [n for n in names if n.startswith("offline")]:
        gap0 = r[k][0] - r["live"][0]
        gap1 = r[k][1][0] - r["live"][1][0]
        print(f"  {k} - live: lag 0 {gap0:+.2f}, best +-1 {gap1:+.2f} (goal <= 0.1)", flush=True)
    return r


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", default=TRUE_CLIPS)
    parser.add_argument("--renderer", default=LIVE_RENDERER, help="both runs (live's default)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/live_true_mouth"))
    parser.add_argument(
        "--readrate", type=float, default=1.0,
        help="feed the live filter at this many times real time (below 1: as if the machine "
        "were that much faster; the quality of live analysis apart from its CPU); the live "
        "delay is stretched by as much, unless given after --",
    )  # fmt: skip
    parser.add_argument(
        "--cold", action="store_true",
        help="measure the live stream's first pass (its start-up included), not its second",
    )  # fmt: skip
    parser.add_argument(
        "--repeat", type=int, default=1,
        help="live runs per clip (the offline ones once): each printed, then their median, "
        "which the gap uses; one run's r moves by about 0.05 with the machine's moment (which "
        "frames miss their time and pass untouched, when the speech's steps come)",
    )  # fmt: skip
    parser.add_argument("extra", nargs="*", help="options of lipsync-filter (after --)")
    args = parser.parse_args()
    if not CLIPS.exists():
        sys.exit(f"{CLIPS} is missing: this bench needs ../shared/real-clips")
    for clip in args.clips.split(","):
        run(clip, args.renderer, args.out, args.extra, args.readrate, args.cold, args.repeat)


if __name__ == "__main__":
    main()
