"""Lip-sync throughput and memory: ``lipsync sync`` vs ffmpeg's own decode+encode.

1. Speed: a 30 s moving-portrait clip at 720p and 1080p with espeak-ng speech; wall time of
   ``lipsync sync`` against ``ffmpeg -i clip -i speech -c:v libx264 -crf 18 -preset medium``
   (the same encoder settings, the same audio) in the same run. Goal: ratio <= 2.0 at 1080p.
2. Memory: peak RSS of ``lipsync sync`` on a 1-minute and a 4-minute clip (640x360): it must
   not grow with the video's length (within 10%).
3. Memory on real footage (``--real-clip``, e.g. ``../shared/real-clips/retalking_face1.mp4``):
   the clip and its own speech looped, alternately forwards and backwards, to each of
   ``--real-minutes`` (default 1 and 10) at 360 px high, lip-synced with ``--renderer``
   (default ``exemplar``, whose bank of mouth samples is the one store that could grow with
   the footage): peak RSS per length and the growth from the shortest to the longest.
4. Speed on real footage (``--real-speed CLIP``, e.g. ``../shared/real-clips/latentsync_demo1.mp4``,
   1080x1920): its first ``--seconds`` with espeak-ng speech, ``lipsync sync --renderer``
   against ffmpeg's own transcode of the same, as in 1. (the moving portrait of 1. is a
   photo, which ``auto`` draws with the warp; a real speaker's footage is what the exemplar
   renderer draws).
5. Memory of the lookahead (``--lookahead-memory 3840x2160``): peak RSS of ``lipsync sync``
   on an 8 s moving portrait of that size at 25 fps with ``--lookahead 1``, the default (3 s,
   shortened for large frames to what ``LOOKAHEAD_MEMORY`` holds) and ``--lookahead 3``.

    .venv/bin/python bench/sync_throughput.py [--seconds 30] [--skip-speed] [--skip-memory]
        [--real-clip CLIP [--real-minutes 1,10]] [--real-speed CLIP] [--renderer exemplar]
        [--lookahead-memory WxH]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchtools import as_installed, exe, ffmpeg, speech_of

from lipsync.core.demo import write_portrait_clip

# Runs lipsync's CLI in this interpreter and prints its peak RSS (MiB) on stderr: the process's
# own plus its largest child's (the face tracker's process, ended first so that it counts), an
# upper bound of what both held at once.
MEASURE = (
    "import resource, sys\n"
    "from lipsync.cli.main import cli, run\n"
    "from lipsync.core.face.tracking_process import close_idle\n"
    "code = run(cli, sys.argv[1:])\n"
    "close_idle()\n"
    "peak = sum(resource.getrusage(who).ru_maxrss\n"
    "           for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
    "print('PEAK_MB', peak / 1024, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def lipsync_sync(
    video: Path, audio: Path, out: Path, extra: tuple[str, ...] = ()
) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one ``lipsync sync`` run in a fresh process."""
    args = [sys.executable, "-c", MEASURE, "-q", "sync", str(video), str(audio), "-o", str(out)]
    args += extra
    t0 = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"lipsync sync failed:\n{proc.stderr}")
    peak = float(proc.stderr.split("PEAK_MB")[-1].split()[0])
    return wall, peak


def speed(
    tmp: Path,
    size: tuple[int, int],
    seconds: float,
    audio: Path,
    clip: Path | None = None,
    extra: tuple[str, ...] = (),
) -> None:
    if clip is None:
        clip = write_portrait_clip(tmp / f"clip{size[1]}.mp4", seconds, size, preset="ultrafast")
    t0 = time.perf_counter()
    ffmpeg(
        "-i", str(clip), "-i", str(audio), "-map", "0:v", "-map", "1:a", "-c:v", "libx264",
        "-crf", "18", "-preset", "medium", "-c:a", "aac", "-shortest", str(tmp / "ff.mp4"),
    )  # fmt: skip
    t_ffmpeg = time.perf_counter() - t0
    t_ours, peak = lipsync_sync(clip, audio, tmp / "ours.mp4", extra)
    frames = round(seconds * 25)
    what = f"{clip.name} {' '.join(extra)} " if extra else ""
    print(
        f"{what}{size[0]}x{size[1]} {seconds:g} s ({frames} frames): ffmpeg {t_ffmpeg:6.1f} s "
        f"({frames / t_ffmpeg:5.1f} fps), lipsync sync {t_ours:6.1f} s ({frames / t_ours:5.1f} "
        f"fps), ratio {t_ours / t_ffmpeg:.2f}, peak RSS {peak:.0f} MiB",
        flush=True,
    )


def memory(tmp: Path) -> None:
    peaks = {}
    for minutes in (1, 4):
        audio = speech_of(tmp / f"speech{minutes}.wav", 60 * minutes)
        clip = write_portrait_clip(tmp / f"mem{minutes}.mp4", 60 * minutes, (640, 360), "ultrafast")
        wall, peaks[minutes] = lipsync_sync(clip, audio, tmp / f"mem{minutes}_out.mp4")
        print(
            f"640x360 {minutes} min: {wall:6.1f} s, peak RSS {peaks[minutes]:.0f} MiB", flush=True
        )
    growth = peaks[4] / peaks[1] - 1
    print(f"peak memory growth 1 min -> 4 min: {100 * growth:+.1f}% (goal within 10%)")


def lookahead_memory(tmp: Path, size: tuple[int, int]) -> None:
    """Peak RSS at ``size`` with 1 s of lookahead, the default and 3 s."""
    audio = speech_of(tmp / "speech_la.wav", 8.0)
    clip = write_portrait_clip(tmp / f"la{size[1]}.mp4", 8.0, size, preset="ultrafast")
    runs: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("1 s", ("--lookahead", "1")),
        ("default", ()),
        ("3 s", ("--lookahead", "3")),
    )
    for what, extra in runs:
        options = (*extra, "--preset", "ultrafast")
        wall, peak = lipsync_sync(clip, audio, tmp / "la_out.mp4", options)
        print(
            f"{size[0]}x{size[1]} 25 fps, lookahead {what}: {wall:5.1f} s, peak RSS {peak:.0f} MiB",
            flush=True,
        )


def probe_size(path: Path) -> tuple[int, int, float]:
    """Width, height and duration (s) of the first video stream of ``path``."""
    out = subprocess.run(
        [exe("ffprobe"), "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=width,height,duration", "-of", "csv=p=0", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    w, h, duration = out.strip().split(",")[:3]
    return int(w), int(h), float(duration)


def looped(clip: Path, dest: Path, minutes: float) -> Path:
    """``clip`` (picture and sound) played forwards then backwards, repeated to ``minutes``,
    360 px high: a long take of the same speaker with no jump at the joins."""
    palindrome = dest.with_name(dest.stem + "_once.mkv")
    ffmpeg(
        "-i", str(clip), "-filter_complex",
        "[0:v]scale=-2:360,split[a][b];[b]reverse[r];[a][r]concat=n=2:v=1:a=0[v];"
        "[0:a]asplit[x][y];[y]areverse[z];[x][z]concat=n=2:v=0:a=1[s]",
        "-map", "[v]", "-map", "[s]", "-c:v", "ffv1", "-c:a", "pcm_s16le", str(palindrome),
    )  # fmt: skip
    ffmpeg(
        "-stream_loop", "-1", "-i", str(palindrome), "-t", f"{60 * minutes:g}", "-c:v",
        "libx264", "-preset", "ultrafast", "-crf", "18", "-c:a", "aac", str(dest),
    )  # fmt: skip
    return dest


def real_memory(tmp: Path, clip: Path, minutes: list[float], renderer: str) -> None:
    peaks = {}
    for m in minutes:
        video = looped(clip, tmp / f"real{m:g}.mp4", m)
        audio = tmp / f"real{m:g}.wav"
        ffmpeg("-i", str(video), "-vn", "-ac", "1", "-ar", "16000", str(audio))
        out = tmp / f"real{m:g}_out.mp4"
        wall, peaks[m] = lipsync_sync(video, audio, out, ("--renderer", renderer))
        print(
            f"{clip.name} looped to {m:g} min at 360p, --renderer {renderer}: {wall:6.1f} s, "
            f"peak RSS {peaks[m]:.0f} MiB",
            flush=True,
        )
    lo, hi = min(minutes), max(minutes)
    growth = peaks[hi] / peaks[lo] - 1
    print(f"peak memory growth {lo:g} min -> {hi:g} min: {100 * growth:+.1f}% (goal within 10%)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--real-clip", type=Path, help="real footage with its own speech")
    parser.add_argument("--real-minutes", default="1,10", help="comma-separated lengths")
    parser.add_argument("--real-speed", type=Path, help="real footage (25 fps) to time")
    parser.add_argument("--renderer", default="exemplar", help="renderer for the real footage")
    parser.add_argument("--lookahead-memory", metavar="WxH", help="peak RSS by lookahead here")
    args = parser.parse_args()
    as_installed()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if not args.skip_speed:
            audio = speech_of(tmp / "speech.wav", args.seconds)
            for size in ((1280, 720), (1920, 1080)):
                speed(tmp, size, args.seconds, audio)
        if not args.skip_memory:
            memory(tmp)
        if args.real_speed is not None:
            cut = tmp / f"real_{args.real_speed.stem}.mp4"
            ffmpeg("-i", str(args.real_speed), "-t", f"{args.seconds:g}", "-an", "-c:v",
                   "libx264", "-preset", "ultrafast", "-crf", "12", str(cut))  # fmt: skip
            w, h, seconds = probe_size(cut)
            audio = speech_of(tmp / "real_speech.wav", seconds)
            speed(tmp, (w, h), seconds, audio, cut, ("--renderer", args.renderer))
        if args.real_clip is not None:
            minutes = [float(m) for m in args.real_minutes.split(",")]
            real_memory(tmp, args.real_clip, minutes, args.renderer)
        if args.lookahead_memory:
            w, h = (int(v) for v in args.lookahead_memory.lower().split("x"))
            lookahead_memory(tmp, (w, h))


if __name__ == "__main__":
    main()
