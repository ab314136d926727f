"""What a batch did: every job and every chunk with its status, time and warnings."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from lipsync.core.batch.jobfile import JobSpec

#: Statuses. A chunk or job "reused" was finished by an earlier run and not redone.
DONE, REUSED, FAILED, SKIPPED, INTERRUPTED = "done", "reused", "failed", "skipped", "interrupted"


@dataclass
class ChunkReport:
    """One chunk: frames ``first``..``last`` (handles ``lead``/``tail`` rendered and dropped),
    why it starts where it does, attempts made in this run, seconds of its last attempt."""

    index: int
    first: int
    last: int
    lead: int
    tail: int
    cut: str
    status: str = INTERRUPTED
    attempts: int = 0
    seconds: float = 0.0
    rendered: int | None = None
    worker: str | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class JobReport:
    """One (video, language) job: its :class:`JobSpec` (``id``, ``kind``, ``video``,
    ``language`` and ``output`` are the spec's) and what became of it. ``dub``: the dub audio
    used (a translate job's is made while it runs)."""

    spec: JobSpec
    dub: str | None = None
    status: str = INTERRUPTED
    seconds: float = 0.0
    frames: int | None = None
    error: str | None = None
    note: str = ""
    warnings: list[str] = field(default_factory=list)
    chunks: list[ChunkReport] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def video(self) -> str:
        return self.spec.video

    @property
    def language(self) -> str:
        return self.spec.language

    @property
    def output(self) -> str:
        return self.spec.output

    def to_json(self) -> dict[str, Any]:
        """Flat: the spec's fields (not its options), then the outcome."""
        data = dataclasses.asdict(self)
        del data["spec"]
        head = {k: getattr(self, k) for k in ("id", "kind", "video", "language", "output")}
        return {**head, **data}


@dataclass
class BatchReport:
    """The whole batch: how it ran (``executor``, ``workers``), how long, and every job."""

    job_file: str
    work_dir: str
    executor: str
    workers: int
    seconds: float = 0.0
    interrupted: bool = False
    jobs: list[JobReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every job finished (now or earlier)."""
        return not self.interrupted and all(j.status in (DONE, REUSED) for j in self.jobs)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for job in self.jobs:
            out[job.status] = out.get(job.status, 0) + 1
        return out

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["jobs"] = [j.to_json() for j in self.jobs]
        chunks = [c for j in self.jobs for c in j.chunks]
        data["summary"] = {
            "ok": self.ok,
            "jobs": self.counts(),
            "chunks": {s: sum(c.status == s for c in chunks) for s in {c.status for c in chunks}},
            "retries": sum(max(0, c.attempts - 1) for c in chunks),
        }
        return data
