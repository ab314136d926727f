"""``lipsync-filter`` throughput and latency between two ffmpeg processes.

1. Throughput: ``ffmpeg -f yuv4mpegpipe | lipsync-filter | ffmpeg (libx264)`` against
   ``ffmpeg -f yuv4mpegpipe | cat | ffmpeg (libx264)`` on the same moving-portrait clip with
   espeak-ng speech, in the same run, default renderer (``auto``). Goals (issue 21): ratio
   <= 3 at 480x270 (fixed per-frame costs dominate), <= 1.5 at 1080p. The two chains run
   ``--repeat`` times, alternating (cat, lipsync, cat, lipsync, ...), each pair printed with
   its ratio, then the ratio of the median wall times: on a shared 2-core machine one pair
   moves by a fifth from run to run. Each chain's CPU seconds (user + system of its three
   processes and theirs) are printed too: they do not depend on what else runs. The UTC time
   and the load average (1 min) are printed before each chain: wall times mean little without
   them. The package is byte-compiled first, as a wheel install is
   (:func:`benchtools.as_installed`).
2. Latency: seconds from the first frame written into the filter to the first frame out of it
   (the engine holds back its lookahead, 3 s of video by default; fed as fast as it reads),
   and the model start-up.

    .venv/bin/python bench/filter_throughput.py [--seconds 20] [--size 1920x1080] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchtools import as_installed, exe, speech_of

from lipsync.core.constants import LOOKAHEAD_SECONDS
from lipsync.core.demo import write_portrait_clip

GOALS = {(480, 270): 3.0, (1920, 1080): 1.5}  # ratio to cat, issue 21


def when() -> str:
    """The UTC time and the 1-minute load average, for the record."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%H:%M:%S UTC")
    return f"{now}, load {os.getloadavg()[0]:.2f}"


def children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def chain(clip: Path, middle: list[str], out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of ``ffmpeg decode | middle | ffmpeg encode``."""
    ff = [exe("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    cpu0 = children_cpu()
    t0 = time.perf_counter()
    up = subprocess.Popen([*ff, "-i", str(clip), "-f", "yuv4mpegpipe", "-"], stdout=subprocess.PIPE)
    mid = subprocess.Popen(middle, stdin=up.stdout, stdout=subprocess.PIPE)
    up.stdout.close()
    down = subprocess.Popen(
        [*ff, "-f", "yuv4mpegpipe", "-i", "-", "-c:v", "libx264", "-crf", "18",
         "-preset", "medium", str(out)],
        stdin=mid.stdout,
    )  # fmt: skip
    mid.stdout.close()
    codes = [down.wait(), mid.wait(), up.wait()]
    wall = time.perf_counter() - t0
    if any(codes):
        sys.exit(f"a pipeline process failed: exit codes {codes}")
    return wall, children_cpu() - cpu0


def latency(clip: Path, audio: Path) -> tuple[float, float]:
    """(start-up s until the filter reads its first frame, s from the first frame in to the
    first frame out)."""
    source = subprocess.run(
        [exe("ffmpeg"), "-v", "error", "-i", str(clip), "-f", "yuv4mpegpipe", "-"],
        capture_output=True,
        check=True,
    ).stdout
    header_end = source.index(b"\n") + 1
    frame = source.index(b"FRAME", header_end + 5) - header_end
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [exe("lipsync-filter"), "-q", "--audio", str(audio)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    first_in: list[float] = []

    def feed() -> None:
        view = memoryview(source)  # a slice of the bytes would copy them: 1.5 GB at 1080p
        proc.stdin.write(view[: header_end + frame])
        proc.stdin.flush()
        first_in.append(time.perf_counter())
        proc.stdin.write(view[header_end + frame :])
        proc.stdin.close()

    thread = threading.Thread(target=feed)
    thread.start()
    proc.stdout.read(1)
    first_out = time.perf_counter()
    proc.stdout.read()
    proc.wait()
    thread.join()
    return first_in[0] - t0, first_out - first_in[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each chain, alternating")
    args = parser.parse_args()
    if args.repeat < 1:
        sys.exit("--repeat must be at least 1")
    as_installed()
    w, h = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        audio = speech_of(tmp / "speech.wav", args.seconds)
        clip = write_portrait_clip(tmp / "clip.mp4", args.seconds, (w, h), preset="ultrafast")
        frames = round(args.seconds * 25)
        goal = GOALS.get((w, h))
        ours_cmd = [exe("lipsync-filter"), "-q", "--audio", str(audio)]
        cats, ours = [], []
        for k in range(args.repeat):
            at_cat = when()
            t_cat, c_cat = chain(clip, ["cat"], tmp / "cat.mp4")
            at_ours = when()
            t_ours, c_ours = chain(clip, ours_cmd, tmp / "f.mp4")
            cats.append(t_cat)
            ours.append(t_ours)
            print(
                f"{w}x{h} {args.seconds:g} s ({frames} frames), run {k + 1}/{args.repeat}: "
                f"ffmpeg | cat | ffmpeg {t_cat:6.1f} s ({frames / t_cat:5.1f} fps, "
                f"{c_cat:.1f} CPU-s; {at_cat}), ffmpeg | lipsync-filter | ffmpeg {t_ours:6.1f} s "
                f"({frames / t_ours:5.1f} fps, {c_ours:.1f} CPU-s; {at_ours}), ratio "
                f"{t_ours / t_cat:.2f}, CPU ratio {c_ours / max(c_cat, 1e-9):.2f}",
                flush=True,
            )
        m_cat, m_ours = statistics.median(cats), statistics.median(ours)
        print(
            f"{w}x{h}: median of {args.repeat}: cat {m_cat:.1f} s, lipsync-filter {m_ours:.1f} s, "
            f"ratio {m_ours / m_cat:.2f}" + (f" (goal <= {goal:g})" if goal else ""),
            flush=True,
        )
        startup, delay = latency(clip, audio)
        print(
            f"latency: start-up {startup:.2f} s (speech analysis, models), first frame in -> "
            f"first frame out {delay:.2f} s ({LOOKAHEAD_SECONDS:g} s lookahead = "
            f"{round(LOOKAHEAD_SECONDS * 25)} frames)",
            flush=True,
        )


if __name__ == "__main__":
    main()
