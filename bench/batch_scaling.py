"""Batch scaling: one 2-minute clip on 1 vs 2 workers (local processes and Ray), and what
chunking costs.

A moving-portrait clip (640x360, 25 fps) with espeak-ng speech of the same length is
lip-synced

  - by the engine alone, in this process (the single-process path),
  - by ``run_batch`` with 1 and 2 local worker processes, chunks of ``--chunk`` s,
  - by ``run_batch`` on a local Ray instance with 1 and 2 CPUs (skipped without ray).

Printed: wall time of each, the speed-up of 2 workers over 1, and the chunking overhead (the
1-worker batch against the single-process run: lossless chunk renders, lead-in and tail
frames rendered twice, the join's decode and encode, process start-up). Every batch starts
from an empty work directory. Times are noisy on a shared machine: run it more than once.

    .venv/bin/python bench/batch_scaling.py [--seconds 120] [--chunk 30] [--skip-ray]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from benchtools import speech_of

from lipsync.core.batch import BatchOptions, load_job_file, run_batch
from lipsync.core.demo import write_portrait_clip
from lipsync.core.engine import LipSyncEngine, SyncOptions
from lipsync.core.media import EncodeOptions, iter_frames

SIZE = (640, 360)
CRF, PRESET = 18, "veryfast"


def batch(folder: Path, name: str, video: Path, dub: Path, chunk: float, options: BatchOptions):
    """Wall time of one batch from scratch, and its report."""
    doc = {
        "output_dir": f"out_{name}",
        "defaults": {"chunk_seconds": chunk, "crf": CRF, "preset": PRESET},
        "inputs": [{"video": video.name, "dubs": {"es": dub.name}}],
    }
    path = folder / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    spec = load_job_file(path)
    shutil.rmtree(spec.output_dir, ignore_errors=True)
    started = time.perf_counter()
    report = run_batch(spec, options)
    seconds = time.perf_counter() - started
    assert report.ok, report.jobs[0].error
    return seconds, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--chunk", type=float, default=30.0, help="chunk length in s")
    parser.add_argument("--skip-ray", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lipsync-bench-batch-") as tmp:
        folder = Path(tmp)
        dub = speech_of(folder / "speech.wav", args.seconds)
        t = time.perf_counter()
        video = write_portrait_clip(folder / "talk.mp4", args.seconds, SIZE, preset="veryfast")
        frames = sum(1 for _ in iter_frames(video))
        made = time.perf_counter() - t
        print(f"clip: {args.seconds:.0f} s, {frames} frames at {SIZE[0]}x{SIZE[1]} "
              f"(made in {made:.0f} s); chunks of {args.chunk:.0f} s")  # fmt: skip

        options = SyncOptions(encode=EncodeOptions(crf=CRF, preset=PRESET))
        started = time.perf_counter()
        LipSyncEngine(options).run(video, dub, folder / "single.mp4")
        single = time.perf_counter() - started
        print(f"single process (engine alone):  {single:6.1f} s  {frames / single:5.1f} fps")

        rows = [("local", BatchOptions(workers=n), n) for n in (1, 2)]
        if not args.skip_ray:
            try:
                import ray  # noqa: F401

                rows += [("ray", BatchOptions(workers=n, ray="local"), n) for n in (1, 2)]
            except ImportError:
                print("ray is not installed: the Ray rows are skipped")
        times: dict[tuple[str, int], float] = {}
        for kind, opts, n in rows:
            seconds, report = batch(folder, f"{kind}{n}", video, dub, args.chunk, opts)
            times[kind, n] = seconds
            chunks = report.jobs[0].chunks
            cuts = [c.cut for c in chunks[1:]]
            print(f"{kind:5s} batch, {n} worker(s):    {seconds:6.1f} s  "
                  f"{frames / seconds:5.1f} fps  ({len(chunks)} chunks, cuts: {cuts})")  # fmt: skip
        for kind in ("local", "ray"):
            if (kind, 1) in times and (kind, 2) in times:
                print(f"{kind}: speed-up 2 vs 1 workers: {times[kind, 1] / times[kind, 2]:.2f}x")
        overhead = times["local", 1] / single - 1
        print(f"chunking overhead (local batch, 1 worker, vs single process): {overhead:+.0%}")


if __name__ == "__main__":
    main()
