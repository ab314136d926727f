"""Measurements over a whole video file (streams frames through the face tracker)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lipsync.core.constants import DEFAULT_FPS
from lipsync.core.face import FaceTracker, TrackerOptions
from lipsync.core.media import open_video
from lipsync.core.quality.aperture import mouth_aperture


def measure_apertures(video: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: the time in seconds from the first frame (``float64 (N,)``) and the mouth
    aperture of the largest face (``float64 (N,)``, NaN where there is no face)."""
    times: list[float] = []
    values: list[float] = []
    with open_video(video) as reader:
        fps = float(reader.info.fps or DEFAULT_FPS)
        tracker = FaceTracker(TrackerOptions(fps=fps))
        for frame in reader:
            faces = tracker.update(frame.image)
            times.append(frame.time)
            if faces:
                biggest = max(faces, key=lambda f: f.width * f.height)
                values.append(mouth_aperture(biggest))
            else:
                values.append(float("nan"))
    t = np.asarray(times, np.float64)
    return (t - t[0]) if t.size else t, np.asarray(values, np.float64)
