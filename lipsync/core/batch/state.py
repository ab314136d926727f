"""The batch work directory: what is done, on disk, so that a re-run does nothing twice.

Layout (JSON is UTF-8; every file is written atomically, a render before its marker)::

    WORK/
      jobs/<job id>/
        translate/            the translation pipeline's own work directory (translate jobs)
        dub.json              translate jobs: the dub made, under a key of its inputs
        plan.json             the chunk plan, under a key of video, dub and options
        chunks/0003.mp4       chunk 3 rendered losslessly, handles included
        chunks/0003.json      its done-marker: the plan key, the engine's report, timing
        done.json             the joined output is in place (its key, size, report)
      report.json             the last run's batch report

A marker counts only when it carries the current plan key and its file is still there, so
changing an input or an option redoes exactly what it affects.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from lipsync.core.constants import TEMP_PREFIX
from lipsync.core.errors import InputError
from lipsync.core.media import make_folder, write_text

STATE_VERSION = 1


def digest(*parts: Any) -> str:
    """A short stable hex key of JSON-serialisable ``parts``."""
    text = json.dumps([STATE_VERSION, *parts], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def read_json(path: Path) -> Any | None:
    """The JSON document at ``path``, or None when there is none. A damaged document (a
    half-written file cannot exist: writes are atomic) counts as absent."""
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError):
        return None


def write_json(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON at ``path`` atomically (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text(path, json.dumps(data, indent=1, ensure_ascii=False) + "\n")


class WorkDir:
    """The batch work directory (see the module note)."""

    def __init__(self, root: str | Path) -> None:
        self.root = make_folder(root, "the batch work directory", "--work-dir")
        make_folder(self.root / "jobs", "the batch work directory", "--work-dir")

    def job(self, job_id: str) -> Path:
        return self.root / "jobs" / _safe(job_id)

    def translate_dir(self, job_id: str) -> Path:
        return self.job(job_id) / "translate"

    def dub_marker(self, job_id: str) -> Path:
        return self.job(job_id) / "dub.json"

    def plan(self, job_id: str) -> Path:
        return self.job(job_id) / "plan.json"

    def chunk_render(self, job_id: str, index: int) -> Path:
        return self.job(job_id) / "chunks" / f"{index:04d}.mp4"

    def chunk_marker(self, job_id: str, index: int) -> Path:
        return self.job(job_id) / "chunks" / f"{index:04d}.json"

    def done(self, job_id: str) -> Path:
        return self.job(job_id) / "done.json"

    @property
    def report(self) -> Path:
        return self.root / "report.json"

    def chunk_done(self, job_id: str, index: int, plan_key: str) -> dict[str, Any] | None:
        """The chunk's marker when the chunk is finished under ``plan_key``, else None."""
        marker = read_json(self.chunk_marker(job_id, index))
        if not isinstance(marker, dict) or marker.get("plan_key") != plan_key:
            return None
        return marker if self.chunk_render(job_id, index).is_file() else None

    def job_done(self, job_id: str, key: str, output: str) -> dict[str, Any] | None:
        """The job's done-marker when its output is in place under ``key``, else None."""
        marker = read_json(self.done(job_id))
        if not isinstance(marker, dict) or marker.get("key") != key:
            return None
        out = Path(output)
        if not out.is_file() or out.stat().st_size != marker.get("size"):
            return None
        return marker

    def clear_stale(self, job_id: str) -> None:
        """Remove temporary files an interrupted run left in the job's folder."""
        folder = self.job(job_id) / "chunks"
        if folder.is_dir():
            for stale in folder.glob(f"{TEMP_PREFIX}*"):
                stale.unlink(missing_ok=True)


def _safe(job_id: str) -> str:
    name = "".join(c if c.isalnum() or c in "._-" else "_" for c in job_id)
    if not name.strip("."):
        raise InputError(f"The job id '{job_id}' cannot name a folder.")
    return name
