"""The batch driver: turns jobs into tasks, hands them to a pool, retries what was lost, and
keeps going when one job fails.

Per job::

    [translate: the dub] ─► plan (cut points) ─► chunks (in parallel) ─► join ─► done

Every step's result is on disk under a key of its inputs (see :mod:`.state`), so a re-run
(after Ctrl-C, a crash or a fix) submits only what is not finished. A task that fails is tried
again up to ``retries`` times (a bad input is not retried); a job whose task keeps failing is
reported as failed and the others go on.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lipsync.core.batch import settings, tasks
from lipsync.core.batch.jobfile import BatchSpec, JobSpec
from lipsync.core.batch.plan import Chunk, Plan
from lipsync.core.batch.pools import LocalPool, Pool, RayPool, default_workers
from lipsync.core.batch.report import (
    DONE,
    FAILED,
    INTERRUPTED,
    REUSED,
    SKIPPED,
    BatchReport,
    ChunkReport,
    JobReport,
)
from lipsync.core.batch.state import WorkDir, digest, read_json, write_json
from lipsync.core.errors import InputError
from lipsync.core.media.fingerprint import file_digest
from lipsync.core.progress import ProgressCallback
from lipsync.core.selection import SelectionOptions

log = logging.getLogger("lipsync")

BATCH_STAGE = "Batch (chunks)"
DEFAULT_RETRIES = 2
_PRIORITY = {"join": 0, "translate": 1, "plan": 1, "chunk": 2}


@dataclass(frozen=True)
class BatchOptions:
    """How to run a batch. ``workers``: tasks at a time (None: one per core, or the Ray
    cluster's CPUs). ``retries``: further attempts of a failed task. ``ray``: None for local
    worker processes, else a Ray address ("" or "local": a local Ray instance).
    ``cpus_per_task``/``gpus_per_task``: the resources each Ray task declares."""

    workers: int | None = None
    retries: int = DEFAULT_RETRIES
    ray: str | None = None
    cpus_per_task: float = 1.0
    gpus_per_task: float = 0.0


def make_pool(options: BatchOptions) -> Pool:
    if options.ray is not None:
        return RayPool(options.ray, options.workers, options.cpus_per_task, options.gpus_per_task)
    return LocalPool(options.workers or default_workers())


def run_batch(
    spec: BatchSpec,
    options: BatchOptions | None = None,
    on_progress: ProgressCallback | None = None,
    pool: Pool | None = None,
) -> BatchReport:
    """Run every job of ``spec`` and return the report (also written to the work directory).
    ``pool``: run on this pool (left open) instead of making one from ``options``."""
    options = options or BatchOptions()
    own = pool is None
    pool = pool or make_pool(options)
    try:
        return _Driver(spec, options, pool, on_progress).run()
    finally:
        if own:
            pool.close()


@dataclass(eq=False)
class _Job:
    spec: JobSpec
    order: int
    report: JobReport
    dub: str | None = None
    plan: Plan | None = None
    plan_key: str | None = None
    started: float = 0.0
    left: int = 0  # chunks not yet finished


class _Driver:
    def __init__(self, spec: BatchSpec, options: BatchOptions, pool: Pool, progress) -> None:
        self.spec, self.options, self.pool = spec, options, pool
        self.progress = progress or (lambda stage, done, total: None)
        self.work = WorkDir(spec.work_dir)
        Path(spec.output_dir).mkdir(parents=True, exist_ok=True)
        self.report = BatchReport(spec.source, str(self.work.root), pool.name, pool.slots)
        self.jobs = [_Job(j, k, JobReport(j, j.dub)) for k, j in enumerate(spec.jobs)]
        self.report.jobs = [j.report for j in self.jobs]
        self.ready: list[tuple[tuple, dict[str, Any]]] = []
        self.running: dict[str, tuple[_Job, dict[str, Any]]] = {}
        self.crash_once = {s for s in os.environ.get(tasks.CRASH_ENV, "").split(",") if s}
        self.chunks_total = self.chunks_done = 0

    # --- the loop ----------------------------------------------------------------------------

    def run(self) -> BatchReport:
        started = time.perf_counter()
        try:
            for job in self.jobs:
                self.start(job)
            while self.ready or self.running:
                while self.ready and len(self.running) < self.pool.slots:
                    self.ready.sort(key=lambda item: item[0])
                    _, task = self.ready.pop(0)
                    self.submit(task)
                for name, outcome in self.pool.wait(timeout=1.0):
                    job, task = self.running.pop(name)
                    self.finished(job, task, outcome)
        except BaseException:
            self.report.interrupted = True
            raise
        finally:
            self.report.seconds = round(time.perf_counter() - started, 3)
            write_json(self.work.report, self.report.to_json())
        return self.report

    def submit(self, task: dict[str, Any]) -> None:
        task["crash"] = task["attempt"] == 1 and task["name"] in self.crash_once
        job = self.jobs[task["job"]]
        self.running[task["name"]] = (job, task)
        if job.report.status == INTERRUPTED and not job.started:
            job.started = time.perf_counter()
        self.pool.submit(task)

    def queue(self, job: _Job, kind: str, payload: dict[str, Any], index: int = 0) -> None:
        name = f"{job.spec.id}#{index}" if kind == "chunk" else f"{job.spec.id}:{kind}"
        task = {"kind": kind, "name": name, "job": job.order, "index": index, "attempt": 1,
                "payload": payload}  # fmt: skip
        self.ready.append(((_PRIORITY[kind], job.order, index), task))

    def finished(self, job: _Job, task: dict[str, Any], outcome: dict[str, Any]) -> None:
        kind = task["kind"]
        if job.report.status == FAILED:
            return  # a task of a job that has already failed: nothing more to do for it
        chunk = job.report.chunks[task["index"]] if kind == "chunk" else None
        if chunk is not None:
            chunk.attempts = task["attempt"]
            chunk.seconds = round(outcome.get("seconds", 0.0), 3)
        if outcome["ok"]:
            getattr(self, f"after_{kind}")(job, outcome["result"])
            return
        error = outcome["error"]
        if not outcome.get("input") and task["attempt"] <= self.options.retries:
            log.warning("%s failed (attempt %d): %s; trying again", task["name"],
                        task["attempt"], error)  # fmt: skip
            task["attempt"] += 1
            self.ready.append(((_PRIORITY[kind], job.order, task["index"]), task))
            return
        if chunk is not None:
            chunk.status, chunk.error = FAILED, error
        self.fail(job, f"{kind} failed after {task['attempt']} attempt(s): {error}")

    def fail(self, job: _Job, error: str) -> None:
        job.report.status, job.report.error = FAILED, error
        self.finish_timing(job)
        self.ready = [(k, t) for k, t in self.ready if t["job"] != job.order]
        for chunk in job.report.chunks:
            if chunk.status == INTERRUPTED:
                chunk.status = SKIPPED
        log.error("job %s failed: %s", job.spec.id, error)

    # --- the steps of a job ------------------------------------------------------------------

    def start(self, job: _Job) -> None:
        spec = job.spec
        self.work.clear_stale(spec.id)
        if spec.kind == "sync":
            self.have_dub(job, spec.dub)
            return
        key = digest("translate", file_digest(spec.video), spec.language, spec.options,
                     _file_key(spec.options.get("subtitles")))  # fmt: skip
        marker = read_json(self.work.dub_marker(spec.id))
        if isinstance(marker, dict) and marker.get("key") == key and Path(marker["dub"]).is_file():
            self.after_translate(job, marker)
            return
        payload = {"video": spec.video, "language": spec.language, "options": spec.options,
                   "workdir": str(self.work.translate_dir(spec.id)), "key": key,
                   "marker": str(self.work.dub_marker(spec.id))}  # fmt: skip
        self.queue(job, "translate", payload)

    def after_translate(self, job: _Job, result: dict[str, Any]) -> None:
        job.report.warnings.extend(result.get("warnings", ()))
        self.have_dub(job, result["dub"])

    def have_dub(self, job: _Job, dub: str | None) -> None:
        assert dub is not None
        spec = job.spec
        job.dub = job.report.dub = dub
        key = digest("plan", file_digest(spec.video), file_digest(dub), spec.options,
                     spec.language)  # fmt: skip
        job.plan_key = key
        doc = read_json(self.work.plan(spec.id))
        if isinstance(doc, dict) and doc.get("key") == key:
            self.after_plan(job, doc)
            return
        path = str(self.work.plan(spec.id))
        payload = {"video": spec.video, "dub": dub, "language": spec.language,
                   "options": spec.options, "key": key, "path": path}  # fmt: skip
        self.queue(job, "plan", payload)

    def after_plan(self, job: _Job, doc: dict[str, Any]) -> None:
        spec, plan = job.spec, Plan.from_json(doc)
        job.plan, job.report.note = plan, plan.note
        job.report.chunks = [
            ChunkReport(c.index, c.first, c.end - 1, c.lead, c.tail, c.cut) for c in plan.chunks
        ]
        self.chunks_total += len(plan.chunks)
        face = spec.options.get("face", "largest")
        if len(plan.chunks) > 1 and _face_id(face):
            seconds = plan.frames / float(plan.fps)
            self.fail(job, f"face {face} names a face of the whole video, but this job is cut "
                           f"into {len(plan.chunks)} chunks whose faces are tracked anew: give "
                           "face 'largest' or 'all', or chunk_seconds of at least "
                           f"{math.ceil(seconds)} to render it in one piece.")  # fmt: skip
            self.chunks_done += len(plan.chunks)
            self.tick(job)
            return
        done = self.work.job_done(spec.id, job.plan_key or "", spec.output)
        if done is not None:
            for chunk in job.report.chunks:
                chunk.status = REUSED
            job.report.status, job.report.frames = REUSED, done.get("frames")
            job.report.warnings.extend(done.get("warnings", ()))
            self.chunks_done += len(plan.chunks)
            self.tick(job)
            log.info("job %s: already done (%s)", spec.id, spec.output)
            return
        job.left = len(plan.chunks)
        for chunk in plan.chunks:
            marker = self.work.chunk_done(spec.id, chunk.index, job.plan_key or "")
            if marker is not None:
                self.chunk_report(job, chunk.index, marker, REUSED)
                continue
            self.queue(job, "chunk", self.chunk_payload(job, chunk), chunk.index)
        self.tick(job)
        if job.left == 0:
            self.queue_join(job)

    def chunk_payload(self, job: _Job, chunk: Chunk) -> dict[str, Any]:
        spec = job.spec
        assert job.plan is not None
        return {
            "video": spec.video, "dub": job.dub, "language": spec.language,
            "options": spec.options, "chunk": chunk.to_json(), "fps": str(job.plan.fps),
            "plan_key": job.plan_key,
            "render": str(self.work.chunk_render(spec.id, chunk.index)),
            "marker": str(self.work.chunk_marker(spec.id, chunk.index)),
        }  # fmt: skip

    def after_chunk(self, job: _Job, marker: dict[str, Any]) -> None:
        if job.report.status == FAILED:
            return
        self.chunk_report(job, marker["index"], marker, DONE)
        log.info("job %s: chunk %d done in %.1f s", job.spec.id, marker["index"],
                 marker["seconds"])  # fmt: skip
        if job.left == 0:
            self.queue_join(job)

    def chunk_report(self, job: _Job, index: int, marker: dict[str, Any], status: str) -> None:
        chunk = job.report.chunks[index]
        chunk.status, chunk.rendered = status, marker.get("rendered")
        chunk.worker, chunk.warnings = marker.get("worker"), list(marker.get("warnings", ()))
        if status == REUSED:
            chunk.seconds = marker.get("seconds", 0.0)
        job.left -= 1
        self.chunks_done += 1
        self.tick(job)

    def queue_join(self, job: _Job) -> None:
        spec = job.spec
        assert job.plan is not None
        chunks = job.plan.chunks
        if not any(c.rendered for c in job.report.chunks):
            sync = settings.sync_options(spec.options, spec.language)
            if not sync.allow_no_face:
                self.fail(job, f"no frame of '{spec.video}' has a face that can be lip-synced: "
                          "set allow_no_face to write an untouched copy.")  # fmt: skip
                return
            job.report.warnings.append("No frame has a usable face: the output is untouched.")
        payload = {
            "video": spec.video, "dub": job.dub, "language": spec.language,
            "options": spec.options, "output": spec.output, "key": job.plan_key,
            "chunks": [c.to_json() for c in chunks],
            "renders": [str(self.work.chunk_render(spec.id, c.index)) for c in chunks],
            "marker": str(self.work.done(spec.id)),
        }  # fmt: skip
        self.queue(job, "join", payload)

    def after_join(self, job: _Job, result: dict[str, Any]) -> None:
        job.report.status, job.report.frames = DONE, result["frames"]
        job.report.warnings.extend(result.get("warnings", ()))
        self.finish_timing(job)
        log.info("job %s: wrote %s (%d frames, %.1f s)", job.spec.id, job.spec.output,
                 result["frames"], job.report.seconds)  # fmt: skip

    def finish_timing(self, job: _Job) -> None:
        if job.started:
            job.report.seconds = round(time.perf_counter() - job.started, 3)

    def tick(self, job: _Job) -> None:
        self.progress(BATCH_STAGE, self.chunks_done, self.chunks_total or None)
        total = len(job.report.chunks)
        self.progress(f"  {job.spec.id}", total - max(job.left, 0) if total else 0, total or None)


def _face_id(face: Any) -> bool:
    """Whether a job's ``face`` option names faces by their ids (as the engine reads it; a
    choice it refuses is left to the chunks, which fail with the engine's own sentence)."""
    try:
        return isinstance(SelectionOptions(face=face).face, (int, tuple))
    except InputError:
        return False


def _file_key(path: Any) -> str | None:
    return file_digest(path) if isinstance(path, str) and Path(path).is_file() else None
