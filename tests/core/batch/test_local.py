"""The batch on local worker processes, judged against the single-process engine run.

"Identical" here means: a job rendered as one chunk gives exactly the single run's pixels,
timestamps and sound. A job cut into chunks gives the same frames (count and timestamps), the
same sound sample for sample, and the same pixels everywhere outside the lower face; inside
it, each chunk's engine has learnt the face from its own frames only (its lead-in included),
so the mouth differs slightly: it must stay much closer to the single run than the original
mouth is (PSNR, measured: ~35 dB mean and ≥ 29 dB in the first frames of a chunk with a 2 s
lead-in, against ~26 dB between the single run and the source).
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

import numpy as np
import pytest
from mediatools import psnr

from lipsync.core.batch import BatchOptions, load_job_file, run_batch
from lipsync.core.batch.jobfile import WORK_DIR_NAME
from lipsync.core.batch.pools import LocalPool
from lipsync.core.batch.tasks import CRASH_ENV
from lipsync.core.media import iter_frames, load_audio


def frames(path):
    return list(iter_frames(path))


def assert_same_timing_and_sound(a, b):
    assert [(f.pts, f.time_base) for f in frames(a)] == [(f.pts, f.time_base) for f in frames(b)]
    assert np.array_equal(load_audio(a), load_audio(b))


class RecordingPool(LocalPool):
    """A local pool that records the name of every task it is given."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.names: list[str] = []

    def submit(self, task):
        self.names.append(task["name"])
        super().submit(task)


def test_one_chunk_is_identical_to_the_single_process_run(job_file, single, single_frames):
    spec = load_job_file(job_file("whole.json", "out_whole"))
    report = run_batch(spec, BatchOptions(workers=1))
    assert report.ok and [c.cut for c in report.jobs[0].chunks] == ["start"]
    out = spec.jobs[0].output
    assert_same_timing_and_sound(out, single)
    _, expected, _ = single_frames
    for a, b in zip(frames(out), expected, strict=True):
        assert np.array_equal(a.image, b.image)


def test_chunks_join_frame_exactly(chunked, single, single_frames):
    report, out = chunked
    job = report.jobs[0]
    assert report.ok and job.status == "done" and report.executor == "local"
    chunks = job.chunks
    assert len(chunks) == 3 and chunks[0].first == 0
    for before, after in itertools.pairwise(chunks):
        assert after.first == before.last + 1  # no frame twice, none missing
        assert after.lead == 50  # the 2 s lead-in at 25 fps
    assert_same_timing_and_sound(out, single)
    work = Path(out).parent / WORK_DIR_NAME
    assert len(list(work.rglob("chunks/*.json"))) == 3
    assert not list(work.rglob("*.mp4"))  # the lossless chunk renders are gone once joined
    src, expected, (x0, y0, x1, y1) = single_frames
    assert job.frames == len(expected) == chunks[-1].last + 1
    got = frames(out)
    close = []
    for k, (a, b) in enumerate(zip(got, expected, strict=True)):
        outside = a.image.copy()
        outside[y0:y1, x0:x1] = b.image[y0:y1, x0:x1]
        assert np.array_equal(outside, b.image), f"frame {k} changed outside the lower face"
        if k <= chunks[0].last:
            assert np.array_equal(a.image, b.image)  # the first chunk starts as the run does
        close.append(psnr(a.image[y0:y1, x0:x1], b.image[y0:y1, x0:x1]))
    original = np.mean([psnr(s[y0:y1, x0:x1], b.image[y0:y1, x0:x1])
                        for s, b in zip(src, expected, strict=True)])  # fmt: skip
    assert np.mean(close) >= original + 5, (np.mean(close), original)
    assert min(close) >= 25.0


def test_a_rerun_does_no_finished_work(chunked, job_file):
    _, out = chunked
    before = os.stat(out).st_mtime_ns
    spec = load_job_file(job_file("chunked.json", "out_chunked", chunk_seconds=3))
    pool = RecordingPool(1)
    again = run_batch(spec, BatchOptions(), pool=pool)
    pool.close()
    assert pool.names == []
    assert again.ok and again.jobs[0].status == "reused"
    assert {c.status for c in again.jobs[0].chunks} == {"reused"}
    assert os.stat(out).st_mtime_ns == before


def test_a_killed_worker_is_replaced_and_its_chunk_retried(chunked, job_file, monkeypatch):
    monkeypatch.setenv(CRASH_ENV, "talk.es#1")
    spec = load_job_file(job_file("crash.json", "out_crash", chunk_seconds=3))
    report = run_batch(spec, BatchOptions(workers=2))
    chunks = report.jobs[0].chunks
    assert report.ok and [c.attempts for c in chunks] == [1, 2, 1]
    assert report.to_json()["summary"]["retries"] == 1
    for a, b in zip(frames(spec.jobs[0].output), frames(chunked[1]), strict=True):
        assert np.array_equal(a.image, b.image)  # the retry renders what the first run did


def test_an_interrupted_batch_resumes_without_redoing_finished_chunks(chunked, job_file):
    spec = load_job_file(job_file("stop.json", "out_stop", chunk_seconds=3))

    def stop_after_first_chunk(stage, done, total):
        if stage.startswith("Batch") and done >= 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_batch(spec, BatchOptions(workers=1), on_progress=stop_after_first_chunk)
    work = load_job_file(job_file("stop.json", "out_stop", chunk_seconds=3)).work_dir
    saved = json.loads((Path(work) / "report.json").read_text())
    assert saved["interrupted"] and saved["jobs"][0]["chunks"][0]["status"] == "done"
    pool = RecordingPool(1)
    report = run_batch(spec, BatchOptions(), pool=pool)
    pool.close()
    assert "talk.es#0" not in pool.names and "talk.es#1" in pool.names
    assert report.jobs[0].chunks[0].status == "reused"
    assert report.ok and report.jobs[0].status == "done"
    for a, b in zip(frames(spec.jobs[0].output), frames(chunked[1]), strict=True):
        assert np.array_equal(a.image, b.image)


def test_a_job_that_keeps_failing_is_reported_and_the_others_finish(media, job_file,
                                                                    monkeypatch):  # fmt: skip
    _, video, dub = media
    monkeypatch.setenv(CRASH_ENV, "talk.de#0")
    inputs = [{"video": video.name, "dubs": {"es": dub.name, "de": dub.name}}]
    spec = load_job_file(job_file("fail.json", "out_fail", inputs=inputs))
    report = run_batch(spec, BatchOptions(workers=2, retries=0))
    status = {j.id: j.status for j in report.jobs}
    assert status == {"talk.es": "done", "talk.de": "failed"}
    failed = report.jobs[1]
    assert "worker process died" in failed.error and failed.chunks[0].status == "failed"
    assert not report.ok
    assert report.to_json()["summary"]["jobs"] == {"done": 1, "failed": 1}


def test_a_translate_job_dubs_with_the_pipeline_then_lip_syncs(media, job_file):
    folder, video, _ = media
    (folder / "talk.es.srt").write_text(
        "1\n00:00:00,500 --> 00:00:03,000\nHola a todos, buenos días.\n\n"
        "2\n00:00:04,000 --> 00:00:07,500\nHoy vamos a hablar del espacio.\n",
        encoding="utf-8",
    )
    inputs = [{"video": video.name, "kind": "translate", "languages": ["es"],
               "options": {"asr": "none", "subtitles": "{stem}.{lang}.srt"}}]  # fmt: skip
    spec = load_job_file(job_file("translate.json", "out_translate", inputs=inputs))
    report = run_batch(spec, BatchOptions(workers=1))
    job = report.jobs[0]
    assert report.ok, job.error
    assert job.dub.endswith("mix.wav") and "translate" in job.dub
    assert job.frames == len(frames(video)) and job.chunks[0].rendered > 0


def test_a_face_id_in_a_job_cut_into_chunks_is_refused_in_one_sentence(media, job_file):
    """Each chunk tracks its faces anew (and each shot's faces get new ids), so an id from
    `lipsync faces` names nothing in a chunk: the job fails before any chunk is rendered,
    saying what to give instead; the other jobs are not held up."""
    import math

    from lipsync.core.media import probe

    seconds = math.ceil(probe(media[1]).video[0].duration)  # espeak-ng's length varies a little
    spec = load_job_file(job_file("face_id.json", "out_face_id", chunk_seconds=3, face=1))
    pool = RecordingPool(1)
    report = run_batch(spec, BatchOptions(), pool=pool)
    pool.close()
    job = report.jobs[0]
    assert job.status == "failed" and not report.ok
    assert "face 1 names a face of the whole video" in job.error
    assert f"chunk_seconds of at least {seconds} " in job.error
    assert "chunk" not in pool.names and "join" not in pool.names
