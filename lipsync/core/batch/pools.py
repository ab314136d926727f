"""Where tasks run: a pool of local worker processes, or Ray tasks on a cluster.

Both take tasks (plain dicts, see :mod:`.tasks`) with :meth:`submit` and hand back
``(name, outcome)`` pairs from :meth:`wait`. A worker that dies mid-task gives an outcome with
``"crash": True``; only that task is affected (the pool replaces the worker), so the driver can
retry exactly what was lost.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import multiprocessing.connection
import os
from dataclasses import dataclass, field
from typing import Any, Protocol

from lipsync.core.batch import tasks

log = logging.getLogger("lipsync")

Outcome = dict[str, Any]
RAY_OBJECT_STORE = 128 * 2**20  # bytes; a local Ray instance passes only small dicts around


class Pool(Protocol):
    name: str
    slots: int

    def submit(self, task: dict[str, Any]) -> None: ...

    def wait(self, timeout: float | None = None) -> list[tuple[str, Outcome]]: ...

    def close(self) -> None: ...


def default_workers() -> int:
    """Worker processes for this machine: one per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def crashed(message: str) -> Outcome:
    return {"ok": False, "crash": True, "input": False, "error": message, "seconds": 0.0}


# --- local processes ---------------------------------------------------------------------------


def _worker_main(conn: multiprocessing.connection.Connection) -> None:
    """A worker process: run tasks from ``conn`` until told to stop (None) or interrupted."""
    tasks.worker_signals()
    tasks.quiet_worker()
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                return
            if task is None:
                return
            conn.send((task["name"], tasks.run_task(task)))
    except (KeyboardInterrupt, BrokenPipeError):
        return


@contextlib.contextmanager
def _thread_limits():
    """Set the one-thread environment (:data:`~.tasks.THREAD_ENV`) while a worker starts."""
    added = [name for name in tasks.THREAD_ENV if name not in os.environ]
    for name in added:
        os.environ[name] = "1"
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: multiprocessing.connection.Connection
    task: str | None = None


@dataclass(eq=False)
class LocalPool:
    """``workers`` processes (started with *spawn*, on demand), one task each at a time."""

    workers: int = field(default_factory=default_workers)
    name: str = "local"

    def __post_init__(self) -> None:
        self.slots = max(1, int(self.workers))
        self._ctx = multiprocessing.get_context("spawn")
        self._all: list[_Worker] = []

    def _idle(self) -> _Worker:
        for w in self._all:
            if w.task is None:
                return w
        if len(self._all) >= self.slots:
            raise RuntimeError("every worker is busy")
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, args=(child,), daemon=True,
                                    name=f"lipsync-batch-{len(self._all)}")  # fmt: skip
        with _thread_limits():  # inherited by the child before it imports numpy
            process.start()
        child.close()
        worker = _Worker(process, parent)
        self._all.append(worker)
        return worker

    def submit(self, task: dict[str, Any]) -> None:
        worker = self._idle()
        worker.task = task["name"]
        worker.conn.send(task)

    def wait(self, timeout: float | None = None) -> list[tuple[str, Outcome]]:
        busy = [w for w in self._all if w.task is not None]
        if not busy:
            return []
        handles = {w.conn: w for w in busy} | {w.process.sentinel: w for w in busy}
        ready = multiprocessing.connection.wait(list(handles), timeout)
        out: list[tuple[str, Outcome]] = []
        for worker in dict.fromkeys(handles[r] for r in ready):
            name = worker.task
            try:
                if worker.conn.poll():
                    got, outcome = worker.conn.recv()
                    worker.task = None
                    out.append((got, outcome))
                    continue
            except (EOFError, OSError):
                pass
            worker.process.join(timeout=5)
            code = worker.process.exitcode
            self._discard(worker)
            assert name is not None
            out.append((name, crashed(f"the worker process died (exit code {code})")))
        return out

    def _discard(self, worker: _Worker) -> None:
        self._all.remove(worker)
        worker.conn.close()
        if worker.process.is_alive():
            worker.process.terminate()
            worker.process.join(timeout=5)

    def close(self) -> None:
        """Stop every worker: idle ones are told to stop, busy ones are terminated (their
        temporary files are removed as they unwind)."""
        for worker in list(self._all):
            try:
                if worker.task is None:
                    worker.conn.send(None)
                else:
                    worker.process.terminate()
            except (OSError, ValueError):
                pass
        for worker in list(self._all):
            worker.process.join(timeout=10)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(timeout=5)
            worker.conn.close()
        self._all.clear()


# --- Ray ---------------------------------------------------------------------------------------


def _ray_entry(task: dict[str, Any]) -> Outcome:
    tasks.quiet_worker()
    return tasks.run_task(task)


class RayPool:
    """Tasks as Ray tasks, each declaring ``cpus`` CPUs and ``gpus`` GPUs. ``address``: a
    cluster to join (``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``); None, "" or "local"
    starts a local Ray instance (with ``workers`` CPUs when given). A Ray already initialised
    in this process is used as it is and left running."""

    name = "ray"

    def __init__(
        self,
        address: str | None = None,
        workers: int | None = None,
        cpus: float = 1.0,
        gpus: float = 0.0,
    ) -> None:
        from lipsync.core.optional import require

        ray = require("ray", "ray", "running a batch on Ray (--ray)")
        self._ray = ray
        self._owned = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING,
                                      "log_to_driver": False}  # fmt: skip
            if address in (None, "", "local"):
                num_cpus = int(workers * cpus) if workers else None
                ray.init(num_cpus=num_cpus, object_store_memory=RAY_OBJECT_STORE, **kwargs)
            else:
                try:
                    ray.init(address=address, **kwargs)
                except (ConnectionError, RuntimeError, ValueError) as e:
                    from lipsync.core.errors import InputError

                    raise InputError(
                        f"Cannot join the Ray cluster at '{address}' ({e}): check the address "
                        "(e.g. auto, HOST:6379 or ray://HOST:10001) and that the cluster runs."
                    ) from e
            self._owned = True
        self._remote = ray.remote(num_cpus=cpus, num_gpus=gpus, max_retries=0)(_ray_entry)
        capacity = int(ray.cluster_resources().get("CPU", 1) // max(cpus, 1e-9))
        self.slots = max(1, int(workers) if workers else capacity)
        self._refs: dict[Any, str] = {}

    def submit(self, task: dict[str, Any]) -> None:
        self._refs[self._remote.remote(task)] = task["name"]

    def wait(self, timeout: float | None = None) -> list[tuple[str, Outcome]]:
        if not self._refs:
            return []
        ray = self._ray
        ready, _ = ray.wait(list(self._refs), num_returns=1, timeout=timeout)
        out: list[tuple[str, Outcome]] = []
        for ref in ready:
            name = self._refs.pop(ref)
            try:
                out.append((name, ray.get(ref)))
            except ray.exceptions.RayError as e:
                first = (str(e).strip().splitlines() or [type(e).__name__])[0]
                out.append((name, crashed(f"the Ray worker failed ({type(e).__name__}: {first})")))
        return out

    def close(self) -> None:
        for ref in list(self._refs):
            with contextlib.suppress(Exception):  # already finished or gone
                self._ray.cancel(ref, force=True)
        self._refs.clear()
        if self._owned:
            self._ray.shutdown()
