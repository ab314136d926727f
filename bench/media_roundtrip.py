"""Media layer speed: decode + encode through lipsync.core.media vs ffmpeg's own transcode.

Both runs take the same 1080p clip to H.264 with libx264 at CRF 18 and the same preset, in the
same process run, so the ratio is stable across machines. Goal: ratio <= 1.15.

    .venv/bin/python bench/media_roundtrip.py [--seconds 10] [--size 1920x1080]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lipsync.core.media import EncodeOptions, VideoWriter, open_video


def ffmpeg(*args: str) -> None:
    exe = shutil.which("ffmpeg")
    if exe is None:
        sys.exit("ffmpeg is not installed (run `make setup`)")
    subprocess.run([exe, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def make_source(path: Path, size: str, seconds: float) -> None:
    ffmpeg(
        "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25:duration={seconds}",
        "-c:v", "libx264", "-crf", "18", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        str(path),
    )  # fmt: skip


def ours(src: Path, dst: Path, preset: str) -> int:
    opts = EncodeOptions(audio_mode="none", crf=18, preset=preset)
    with open_video(src) as reader, VideoWriter(dst, reader.info, options=opts) as writer:
        for frame in reader:
            writer.write(frame)
    return writer.result.frames if writer.result else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--preset", default="medium")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src.mp4"
        make_source(src, args.size, args.seconds)
        t0 = time.perf_counter()
        ffmpeg("-i", str(src), "-c:v", "libx264", "-crf", "18", "-preset", args.preset,
               str(Path(tmp) / "ffmpeg.mp4"))  # fmt: skip
        t_ffmpeg = time.perf_counter() - t0
        t0 = time.perf_counter()
        frames = ours(src, Path(tmp) / "ours.mp4", args.preset)
        t_ours = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"clip: {args.size}, {frames} frames ({args.seconds:g} s), libx264 crf 18 {args.preset}")
    print(f"ffmpeg transcode : {t_ffmpeg:7.2f} s  ({frames / t_ffmpeg:6.1f} fps)")
    print(f"lipsync media    : {t_ours:7.2f} s  ({frames / t_ours:6.1f} fps)")
    print(f"peak RSS of this process: {peak_mb:.0f} MB")
    print(f"ratio lipsync/ffmpeg: {t_ours / t_ffmpeg:.3f}  (goal <= 1.15)")


if __name__ == "__main__":
    main()
