"""The loop of renderers that redraw a crop of the face with a model (``wav2lip``,
``musetalk``): plan each job's crop, run the model ``batch_size`` crops at a time, paste each
output back; a job with nothing to draw is its image, copied."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from lipsync.core.render.registry import RenderJob

#: job -> (crop box, model-sized crop), or None when the job is left as it is
Plan = Callable[[RenderJob], "tuple[Any, np.ndarray] | None"]
#: (jobs, their crops) -> the model's outputs stacked, one per crop
Generate = Callable[[Sequence[RenderJob], Sequence[np.ndarray]], np.ndarray]
#: (job, box, crop, output) -> the job's new image
Put = Callable[[RenderJob, Any, np.ndarray, np.ndarray], np.ndarray]


def redraw_in_batches(
    jobs: Sequence[RenderJob], plan: Plan, generate: Generate, put: Put, batch_size: int
) -> list[np.ndarray]:
    """The new images of ``jobs`` in order (see the module docstring)."""
    results: list[np.ndarray | None] = [None] * len(jobs)
    todo: list[tuple[int, Any, np.ndarray]] = []
    for k, job in enumerate(jobs):
        planned = plan(job)
        if planned is None:
            results[k] = job.image.copy()
        else:
            todo.append((k, *planned))
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        generated = generate([jobs[k] for k, _, _ in chunk], [c for *_, c in chunk])
        for (k, box, source), out in zip(chunk, generated, strict=True):
            results[k] = put(jobs[k], box, source, out)
    assert all(r is not None for r in results)
    return results  # type: ignore[return-value]
