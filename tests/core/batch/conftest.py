"""Shared media for the batch tests: a moving real portrait (8.9 s, 640x360, 25 fps) with a
dub synthesised by espeak-ng, its single-process render, and a job file writer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lipsync.core.demo import write_portrait_clip
from lipsync.core.engine import LipSyncEngine, SyncOptions
from lipsync.core.media import EncodeOptions, save_audio
from lipsync.core.speech import synthesize, write_sidecar

TEXT = (
    "Bob bought a map, and Pam made more maps for Mom by the pub. Then we all went home. "
    "It was a long day and nobody wanted to talk any more."
)
LOSSLESS = {"crf": 0, "preset": "ultrafast"}  # outputs compared pixel for pixel


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    """(folder, video, dub) for the batch tests."""
    folder = tmp_path_factory.mktemp("batch_media")
    syn = synthesize(TEXT, "en-us")
    dub = save_audio(folder / "dub.wav", syn.samples, syn.sample_rate)
    write_sidecar(dub, syn.events)
    seconds = syn.samples.shape[0] / syn.sample_rate + 0.5
    video = write_portrait_clip(folder / "talk.mp4", seconds, size=(640, 360), preset="ultrafast")
    return folder, video, dub


@pytest.fixture(scope="session")
def single(media):
    """The single-process render of the clip (the engine alone, lossless)."""
    folder, video, dub = media
    out = folder / "single.mp4"
    options = SyncOptions(encode=EncodeOptions(crf=0, preset="ultrafast"))
    LipSyncEngine(options).run(video, dub, out)
    return out


@pytest.fixture(scope="session")
def job_file(media):
    """Factory: ``job_file(name, out_dir, **defaults)`` -> path of a job file (beside the
    media) lip-syncing the clip to the dub as language 'es', options ``defaults``."""
    folder, video, dub = media

    def make(name: str, out: str, inputs: list | None = None, **defaults) -> Path:
        doc = {
            "output_dir": out,
            "defaults": {**LOSSLESS, **defaults},
            "inputs": inputs or [{"video": video.name, "dubs": {"es": dub.name}}],
        }
        path = folder / name
        path.write_text(json.dumps(doc), encoding="utf-8")
        return path

    return make


@pytest.fixture(scope="session")
def single_frames(media, single):
    """(source frames, single-process frames, lower-face box (x0, y0, x1, y1)): the box holds
    every pixel the single run changed, widened by a quarter of its size."""
    import numpy as np

    from lipsync.core.media import iter_frames

    _, video, _ = media
    src = [f.image for f in iter_frames(video)]
    out = list(iter_frames(single))
    changed = np.zeros(src[0].shape[:2], bool)
    for a, b in zip(src, out, strict=True):
        changed |= np.any(a != b.image, axis=2)
    ys, xs = np.nonzero(changed)
    w, h = xs.max() - xs.min(), ys.max() - ys.min()
    box = (max(0, xs.min() - w // 4), max(0, ys.min() - h // 4), xs.max() + w // 4 + 1,
           ys.max() + h // 4 + 1)  # fmt: skip
    return src, out, tuple(int(v) for v in box)


@pytest.fixture(scope="session")
def chunked(job_file):
    """The clip in 3-second chunks on 2 workers: (report, output)."""
    from lipsync.core.batch import BatchOptions, load_job_file, run_batch

    spec = load_job_file(job_file("chunked.json", "out_chunked", chunk_seconds=3))
    report = run_batch(spec, BatchOptions(workers=2))
    return report, spec.jobs[0].output
