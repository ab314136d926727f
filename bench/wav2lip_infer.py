"""Wav2Lip inference speed: torch eager vs onnxruntime (CPU), and ``lipsync sync`` end to end.

1. Milliseconds per frame of the generator at batch 16 and 64, torch eager (``no_grad``, eval)
   against onnxruntime's CPU provider on the export, in the same run, the same random input,
   the same number of threads (torch's default).
2. Frames per second of ``lipsync sync --renderer wav2lip`` on a 720p moving-portrait clip with
   espeak-ng speech (wall time of the whole command in a fresh process: decoding, tracking,
   speech analysis, inference, pasting, encoding), beside ``--renderer warp`` for reference.

The weights are random (seeded; nothing is downloaded): speed does not depend on them.

    .venv/bin/python bench/wav2lip_infer.py [--seconds 10] [--repeats 5] [--skip-sync]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch
from benchtools import speech_of

from lipsync.core.demo import write_portrait_clip
from lipsync.core.models import SessionOptions, open_wav2lip
from lipsync.core.models.wav2lip import random_wav2lip
from lipsync.core.models.wav2lip_export import export_wav2lip, random_inputs

BATCHES = (16, 64)


def per_frame_ms(runs: dict[str, Callable[[], object]], batch: int, repeats: int) -> dict:
    """Median milliseconds per frame of each ``run()`` (one batch each), after a warm-up call;
    the runs alternate, so a change in the machine's load hits them alike."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()
    for _ in range(repeats):
        for name, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    return {name: 1000 * statistics.median(t) / batch for name, t in times.items()}


def inference(tmp: Path, repeats: int) -> Path:
    model = random_wav2lip(seed=0)
    checkpoint = tmp / "wav2lip.pth"
    torch.save({"state_dict": model.state_dict()}, checkpoint)
    onnx = tmp / "wav2lip.onnx"
    report = export_wav2lip(checkpoint, onnx)
    threads = torch.get_num_threads()
    print(
        f"export: {report.seconds:.1f} s, max difference {report.max_difference:.2e}; "
        f"{threads} threads for both",
        flush=True,
    )
    session = open_wav2lip(onnx, SessionOptions(device="cpu", threads=threads))
    for batch in BATCHES:
        mel, face = random_inputs(batch, seed=batch)
        tm, tf = torch.from_numpy(mel), torch.from_numpy(face)

        def eager(tm=tm, tf=tf):
            with torch.no_grad():
                model(tm, tf)

        ms = per_frame_ms(
            {"torch": eager, "ort": lambda mel=mel, face=face: session.run(mel, face)},
            batch,
            repeats,
        )
        ms_torch, ms_ort = ms["torch"], ms["ort"]
        print(
            f"batch {batch:3d}: torch eager {ms_torch:6.1f} ms/frame, onnxruntime CPU "
            f"{ms_ort:6.1f} ms/frame, speed-up {ms_torch / ms_ort:.2f}x",
            flush=True,
        )
    return onnx


def sync_fps(tmp: Path, onnx: Path, seconds: float) -> None:
    clip = write_portrait_clip(tmp / "clip720.mp4", seconds, (1280, 720), preset="ultrafast")
    audio = speech_of(tmp / "speech.wav", seconds)
    frames = round(seconds * 25)
    lipsync = [str(Path(sys.executable).with_name("lipsync"))]
    for renderer, extra in (("wav2lip", ["--model", str(onnx)]), ("warp", [])):
        out = tmp / f"out_{renderer}.mp4"
        args = [*lipsync, "-q", "sync", str(clip), str(audio), "-o", str(out),
                "--renderer", renderer, *extra]  # fmt: skip
        t0 = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"lipsync sync --renderer {renderer} failed:\n{proc.stderr}")
        print(
            f"lipsync sync --renderer {renderer:<7} 1280x720 {seconds:g} s ({frames} frames): "
            f"{wall:6.1f} s, {frames / wall:5.1f} fps",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-sync", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        onnx = inference(tmp, args.repeats)
        if not args.skip_sync:
            sync_fps(tmp, onnx, args.seconds)


if __name__ == "__main__":
    main()
