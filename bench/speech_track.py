"""Speed of speech analysis: seconds of audio analysed per second of wall time, per source.

Run: ``python bench/speech_track.py [--seconds 60]``. Uses one core (thread pools capped before
numpy loads). Speech is real espeak-ng English (en-US voice), repeated to the asked length.
Goal: >= 50x real time for the ``alignment`` and ``audio`` sources.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from lipsync.core.speech.espeak import synthesize  # noqa: E402
from lipsync.core.speech.phone_events import PhoneEvents, shift_events  # noqa: E402
from lipsync.core.speech.track import analyse_speech  # noqa: E402

SENTENCE = (
    "Bob bought a big map of Paris. My mother buys apples and plums by the bag. Maybe Pam will "
    "bring some pie, but probably not before the movie."
)
GOAL = 50.0  # x real time for alignment and audio-only


def _speech(seconds: float):
    one = synthesize(SENTENCE, lang="en", voice="en-us")
    n = int(np.ceil(seconds * one.sample_rate / one.samples.shape[0]))
    samples = np.concatenate([one.samples] * n)
    step = one.samples.shape[0]
    events = tuple(e for k in range(n) for e in shift_events(one.events.events, k * step))
    text = " ".join([SENTENCE] * n)
    return samples, one.sample_rate, PhoneEvents(events, one.sample_rate, samples.shape[0]), text


def _time(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="audio length (s)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per source (best kept)")
    parser.add_argument("--fps", type=float, default=25.0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    samples, rate, events, text = _speech(args.seconds)
    duration = samples.shape[0] / rate
    analyse_speech(samples[: rate * 2], rate, args.fps)  # load models outside the timing
    analyse_speech(samples[: rate * 2], rate, args.fps, text="Bob bought")
    runs = {
        "espeak": lambda: analyse_speech(samples, rate, args.fps, espeak_events=events),
        "alignment": lambda: analyse_speech(samples, rate, args.fps, text=text, lang="en"),
        "audio": lambda: analyse_speech(samples, rate, args.fps),
    }
    print(f"speech analysis, {duration:.1f} s of English at {rate} Hz, {args.fps:g} fps, 1 core")
    for source, fn in runs.items():
        seconds = _time(fn, args.repeats)
        speed = duration / seconds
        goal = f"(goal {GOAL:g}x: {'met' if speed >= GOAL else 'NOT met'})"
        note = goal if source != "espeak" else ""
        print(f"  {source:<10} {speed:8.1f}x real time  {seconds:6.2f} s  {note}")
    one = synthesize(SENTENCE, lang="en", voice="en-us")
    synth = _time(lambda: synthesize(SENTENCE, lang="en", voice="en-us"), args.repeats)
    speed = one.samples.shape[0] / one.sample_rate / synth
    print(f"  synthesis  {speed:8.1f}x real time (espeak-ng)")


if __name__ == "__main__":
    main()
