"""Batches: many videos, many languages, on one machine or a Ray cluster.

A job file (:mod:`.jobfile`) lists the inputs; each (video, language) is a job; a long video
is cut at shot boundaries or silent gaps of its dub into chunks (:mod:`.plan`) rendered
independently (:mod:`.chunk`) and joined frame-exactly with the dub muxed once (:mod:`.join`).
:func:`run_batch` drives it all on local worker processes or Ray tasks (:mod:`.pools`), with
every finished step kept in the work directory (:mod:`.state`) so a re-run does nothing twice.

    spec = load_job_file("jobs.json")
    report = run_batch(spec, BatchOptions(workers=4))
"""

from __future__ import annotations

from lipsync.core.batch.jobfile import BatchSpec, JobSpec, load_job_file, parse_job_file
from lipsync.core.batch.report import BatchReport, ChunkReport, JobReport
from lipsync.core.batch.runner import BatchOptions, run_batch

__all__ = [
    "BatchOptions",
    "BatchReport",
    "BatchSpec",
    "ChunkReport",
    "JobReport",
    "JobSpec",
    "load_job_file",
    "parse_job_file",
    "run_batch",
]
