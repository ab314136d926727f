"""The same batch as Ray tasks on a local Ray instance (started and stopped here, on this
machine only): the result equals the local pool's, and a worker killed mid-chunk recovers."""

from __future__ import annotations

import numpy as np
import pytest

from lipsync.core.batch import BatchOptions, load_job_file, run_batch
from lipsync.core.batch.pools import RAY_OBJECT_STORE, RayPool
from lipsync.core.batch.tasks import CRASH_ENV
from lipsync.core.media import iter_frames

ray = pytest.importorskip("ray", reason="ray is not installed: pip install 'lipsync-studio[ray]'")


pytestmark = pytest.mark.slow  # Ray; run by `make test`, skipped by -m 'not slow'


@pytest.fixture(scope="module")
def ray_pool():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             object_store_memory=RAY_OBJECT_STORE)  # fmt: skip
    try:
        yield RayPool(cpus=1.0)
    finally:
        ray.shutdown()


def test_ray_gives_the_local_result_and_recovers_a_killed_worker(
    ray_pool, chunked, job_file, monkeypatch
):
    assert ray_pool.slots == 2
    monkeypatch.setenv(CRASH_ENV, "talk.es#2")
    spec = load_job_file(job_file("ray.json", "out_ray", chunk_seconds=3))
    report = run_batch(spec, BatchOptions(), pool=ray_pool)
    job = report.jobs[0]
    assert report.ok, job.error
    assert report.executor == "ray" and [c.attempts for c in job.chunks] == [1, 1, 2]
    got, expected = list(iter_frames(job.output)), list(iter_frames(chunked[1]))
    assert [f.pts for f in got] == [f.pts for f in expected]
    for a, b in zip(got, expected, strict=True):
        assert np.array_equal(a.image, b.image)
