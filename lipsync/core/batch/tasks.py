"""The units of work a batch hands to its workers, as plain functions of plain JSON payloads
(so a local process or a Ray task runs them alike), and the wrapper that turns any failure into
an outcome the driver can act on instead of an exception crossing a process boundary.

    translate  the translation pipeline's dub of one (video, language)
    plan       where to cut the video into chunks
    chunk      one chunk rendered (see :mod:`.chunk`)
    join       the chunk renders joined into the output (see :mod:`.join`); the renders are
               deleted once the job's done-marker is written (their markers stay: a chunk
               whose render is gone is rendered again if the output is ever needed again)
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

from lipsync.core.batch import settings
from lipsync.core.batch.state import write_json
from lipsync.core.errors import InputError, LipsyncError
from lipsync.core.face.tracking_process import ENV as TRACKING_PROCESS_ENV

log = logging.getLogger("lipsync")

#: Test hook: a comma-separated list of task names ("job id#chunk index", e.g. "talk.es#1")
#: whose first attempt makes the worker process exit at once, as a crash would.
CRASH_ENV = "LIPSYNC_BATCH_TEST_CRASH"
CRASH_EXIT = 70
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def run_task(task: dict[str, Any]) -> dict[str, Any]:
    """Run one task ``{"kind", "name", "payload", "attempt", "crash"}`` and return its outcome
    ``{"ok", "result" | "error" + "input", "seconds"}``. Nothing but a crash escapes."""
    limit_threads()
    started = time.perf_counter()
    if task.get("crash"):
        os._exit(CRASH_EXIT)  # the test hook: die mid-task, as a killed worker does
    try:
        result = TASKS[task["kind"]](task["payload"])
    except LipsyncError as e:
        return _failed(str(e), isinstance(e, InputError), started)
    except Exception as e:  # a bug or a library failure: reported, retried
        log.debug("task %s failed", task.get("name"), exc_info=True)
        return _failed(f"{type(e).__name__}: {e}", False, started)
    return {"ok": True, "result": result, "seconds": time.perf_counter() - started}


def _failed(message: str, is_input: bool, started: float) -> dict[str, Any]:
    return {"ok": False, "error": message, "input": is_input,
            "seconds": time.perf_counter() - started}  # fmt: skip


def limit_threads() -> None:
    """One thread per worker for the libraries that would take every core, and face
    tracking in the worker itself (a batch already runs a worker per core)."""
    for name in THREAD_ENV:
        os.environ.setdefault(name, "1")
    os.environ.setdefault(TRACKING_PROCESS_ENV, "0")
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:  # pragma: no cover - cv2 is a core dependency
        pass


def quiet_worker() -> None:
    """In a worker: only errors are logged (warnings travel in the outcome, to the report)."""
    logging.getLogger("lipsync").setLevel(logging.ERROR)


def worker_signals() -> None:
    """In a worker process: SIGTERM unwinds like Ctrl-C, so temporary files are removed."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


# --- the tasks ---------------------------------------------------------------------------------


def translate_task(p: dict[str, Any]) -> dict[str, Any]:
    """Make the dub of a ``translate`` job with the translation pipeline; write its marker."""
    from lipsync.core.pipeline import translate_video

    workdir = Path(p["workdir"])
    options = settings.translate_options(p["options"], p["language"], workdir)
    report = translate_video(p["video"], None, options)
    dub = report.outputs["mix"]
    done = {"key": p["key"], "dub": dub, "warnings": list(report.warnings),
            "stages": report.stages}  # fmt: skip
    write_json(Path(p["marker"]), done)
    return done


def plan_task(p: dict[str, Any]) -> dict[str, Any]:
    """Plan a job's chunks and write the plan under its key."""
    from lipsync.core.batch.plan import plan_job

    sync = settings.sync_options(p["options"], p["language"])
    plan = plan_job(
        p["video"],
        p["dub"],
        chunk_seconds=settings.chunk_seconds(p["options"]),
        lead_in=settings.lead_in(p["options"]),
        tail_seconds=settings.tail_seconds(sync),
        split=not p.get("no_split") and sync.text is None,
    )
    doc = {"key": p["key"], **plan.to_json()}
    write_json(Path(p["path"]), doc)
    return doc


def chunk_task(p: dict[str, Any]) -> dict[str, Any]:
    from lipsync.core.batch.chunk import render_chunk

    return render_chunk(p)


def join_task(p: dict[str, Any]) -> dict[str, Any]:
    from lipsync.core.batch.join import join_chunks

    result = join_chunks(p)
    write_json(Path(p["marker"]), {"key": p["key"], **result})
    for render in p["renders"]:  # lossless, so large; a later run re-renders them if needed
        Path(render).unlink(missing_ok=True)
    return result


TASKS = {"translate": translate_task, "plan": plan_task, "chunk": chunk_task, "join": join_task}
