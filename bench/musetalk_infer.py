"""MuseTalk inference speed beside Wav2Lip: milliseconds per frame through each renderer.

Each renderer renders the same 720p frame of NASA's astronaut portrait (face tracked once)
for ``--frames`` consecutive frames of speech in one ``render_batch`` call (the renderer
batches as the engine lets it: crop, model, paste), after a warm-up call, the median of
``--repeats``; the renderers alternate, so a change in the machine's load hits them alike.

- CPU: onnxruntime's CPU provider with ``--threads`` threads (default 2), float32.
- GPU, where onnxruntime offers CUDA: MuseTalk in float16 and float32 with batches of 16,
  and Wav2Lip with batches of 64.

Without ``--model`` a tiny random-weight MuseTalk (the test suite's) is exported and measured:
that checks the script, its figures say nothing about the real model. Give the real export
(``lipsync models export musetalk ... -o musetalk``) for real figures; likewise
``--wav2lip wav2lip.onnx`` (default: a seeded random Wav2Lip, the real architecture).

    .venv/bin/python bench/musetalk_infer.py [--model musetalk/] [--wav2lip w.onnx]
        [--frames 25] [--repeats 3] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from lipsync.core.models import SessionOptions, available_providers, open_wav2lip
from lipsync.core.models.musetalk_session import open_musetalk
from lipsync.core.render import RenderJob
from lipsync.core.render.musetalk import MuseTalkRenderer
from lipsync.core.render.wav2lip import Wav2LipRenderer

FPS = 25.0
CUDA = "CUDAExecutionProvider"


def portrait() -> tuple[np.ndarray, object]:
    """A 1280x720 frame of the astronaut portrait and her tracked face."""
    import cv2
    from skimage.data import astronaut

    from lipsync.core.face import FaceTracker, TrackerOptions

    m = np.array([[2.5, 0, 640 - 222 * 2.5], [0, 2.5, 360 - 125 * 2.5]])
    frame = cv2.warpAffine(astronaut(), m, (1280, 720), flags=cv2.INTER_CUBIC,
                           borderValue=(60, 60, 60))  # fmt: skip
    faces = FaceTracker(TrackerOptions()).update(frame)
    if not faces:
        sys.exit("the face tracker found no face in the benchmark frame")
    return frame, max(faces, key=lambda f: f.width)


def speech(seconds: float = 12.0) -> np.ndarray:
    t = np.arange(int(16000 * seconds)) / 16000
    voiced = np.sin(2 * np.pi * 150 * t) + 0.5 * np.sin(2 * np.pi * 450 * t)
    return (0.3 * voiced * (np.sin(2 * np.pi * 2 * t) > -0.5)).astype(np.float32)


def tiny_musetalk(tmp: Path) -> Path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from musetalk_models import build_musetalk_files

    from lipsync.core.models.musetalk_export import export_musetalk

    files = build_musetalk_files(tmp)
    report = export_musetalk(files.unet, files.unet_config, files.vae, files.whisper,
                             tmp / "musetalk")  # fmt: skip
    print(f"tiny random MuseTalk exported in {report.seconds:.1f} s (figures check the script "
          "only; give --model for the real one)", flush=True)  # fmt: skip
    return report.folder


def random_wav2lip_onnx(tmp: Path) -> Path:
    import torch

    from lipsync.core.models.wav2lip import random_wav2lip
    from lipsync.core.models.wav2lip_export import export_wav2lip

    checkpoint = tmp / "wav2lip.pth"
    torch.save(random_wav2lip(seed=0).state_dict(), checkpoint)
    return export_wav2lip(checkpoint, tmp / "wav2lip.onnx").path


def per_frame_ms(runs: dict[str, Callable[[], object]], frames: int, repeats: int) -> dict:
    """Median milliseconds per frame of each ``run()`` (``frames`` frames each), after one
    warm-up call; the runs alternate."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for run in runs.values():
        run()
    for _ in range(repeats):
        for name, run in runs.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    return {name: 1000 * statistics.median(t) / frames for name, t in times.items()}


def renderer_run(renderer, frame, face, frames: int) -> Callable[[], object]:
    renderer.prepare(speech(), 16000, FPS)
    jobs = [RenderJob(frame, face, np.zeros(6, np.float32), None, 1.0, i, i / FPS, FPS)
            for i in range(25, 25 + frames)]  # fmt: skip
    return lambda: renderer.render_batch(jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a MuseTalk export folder")
    parser.add_argument("--wav2lip", type=Path, help="a Wav2Lip ONNX export")
    parser.add_argument("--frames", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    frame, face = portrait()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        model = args.model or tiny_musetalk(tmp)
        wav2lip = args.wav2lip or random_wav2lip_onnx(tmp)
        cpu = SessionOptions(device="cpu", threads=args.threads)
        muse, w2l = open_musetalk(model, cpu, fp16=False), open_wav2lip(wav2lip, cpu)
        runs = {
            f"musetalk cpu float32 batch {muse.batch_size}":
                renderer_run(MuseTalkRenderer(muse), frame, face, args.frames),
            f"wav2lip  cpu float32 batch {w2l.batch_size}":
                renderer_run(Wav2LipRenderer(w2l), frame, face, args.frames),
        }  # fmt: skip
        if CUDA in available_providers():
            gpu = SessionOptions(device="cuda")
            half, full = open_musetalk(model, gpu, fp16=True), open_musetalk(model, gpu, False)
            runs[f"musetalk cuda {half.precision} batch {half.batch_size}"] = renderer_run(
                MuseTalkRenderer(half), frame, face, args.frames)  # fmt: skip
            runs[f"musetalk cuda {full.precision} batch {full.batch_size}"] = renderer_run(
                MuseTalkRenderer(full), frame, face, args.frames)  # fmt: skip
            w = open_wav2lip(wav2lip, gpu)
            runs[f"wav2lip  cuda float32 batch {w.batch_size}"] = renderer_run(
                Wav2LipRenderer(w), frame, face, args.frames)  # fmt: skip
        else:
            print("no CUDA provider in this onnxruntime: CPU figures only", flush=True)
        print(f"1280x720 frame, face {face.width:.0f} px wide, {args.frames} frames per run, "
              f"median of {args.repeats}, {args.threads} CPU threads", flush=True)  # fmt: skip
        for name, ms in per_frame_ms(runs, args.frames, args.repeats).items():
            print(f"{name:<34} {ms:8.1f} ms/frame  {1000 / ms:6.1f} fps", flush=True)


if __name__ == "__main__":
    main()
