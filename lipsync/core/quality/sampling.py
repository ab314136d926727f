"""A few frames per second of a video with their faces measured: what the picture checks of
:mod:`~lipsync.core.quality.checks_video` work on.

Every frame is decoded (the codec needs it) but only sampled frames are converted to RGB and
tracked, so a check costs a fraction of a lip-sync run. Per sampled face: box, pose, landmark
confidence, mouth width, and the light on the face (luma statistics inside the landmark box).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lipsync.core.constants import DEFAULT_FPS
from lipsync.core.progress import CountCallback
from lipsync.core.quality.checks import TimeRange, ranges_from_mask, time_range
from lipsync.core.types import OUTER_LIP_LEFT_CORNER, OUTER_LIP_RIGHT_CORNER, FaceObservation

DEFAULT_SAMPLES_PER_SECOND = 4.0  # frames/s looked at by the full check
FACE_INSET = 0.1  # share of the landmark box trimmed on each side before measuring light
CLIPPED_LUMA = 250  # luma 0..255 from which a pixel counts as clipped
TRACKING_THREADS = 1  # onnxruntime threads (the machine may be shared; the check is short)


@dataclass(frozen=True)
class FaceLight:
    """Light on a face: ``median`` luma 0..255, ``clipped`` share of pixels at 250+,
    ``side_ratio`` darker over brighter half's mean luma (1 = even), ``contrast`` 95th over
    5th percentile luma."""

    median: float
    clipped: float
    side_ratio: float
    contrast: float


@dataclass(frozen=True)
class FaceSample:
    """One face in a sampled frame: ``box`` (x0, y0, x1, y1) px, pose in degrees, landmark
    ``confidence`` 0..1, ``mouth_ratio`` (mouth width over eye distance) and its light."""

    track_id: int
    box: tuple[float, float, float, float]
    yaw: float
    pitch: float
    roll: float
    confidence: float
    mouth_ratio: float
    light: FaceLight

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def centre(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2


@dataclass(frozen=True)
class FrameSample:
    """A sampled frame: its ``index`` in the video, ``time`` s from the first frame, faces."""

    index: int
    time: float
    faces: tuple[FaceSample, ...]

    @property
    def main(self) -> FaceSample | None:
        """The largest face (the one ``--face largest`` lip-syncs), if any."""
        return max(self.faces, key=lambda f: f.height, default=None)


@dataclass(frozen=True)
class VideoSamples:
    """The sampled frames of a video: display ``width`` x ``height`` px, ``fps`` frames/s,
    ``duration`` s, ``frames`` decoded, ``step`` s between samples."""

    path: str
    width: int
    height: int
    fps: float
    duration: float
    frames: int
    step: float
    samples: tuple[FrameSample, ...]
    field_order: str = "progressive"  # as :attr:`VideoStreamInfo.field_order`

    @property
    def times(self) -> np.ndarray:
        return np.array([s.time for s in self.samples], np.float64)

    def main_faces(self) -> tuple[np.ndarray, list[FaceSample]]:
        """The times (``float64 (K,)`` s) and main faces of the samples that have one."""
        pairs = [(s.time, s.main) for s in self.samples if s.main is not None]
        return np.array([t for t, _ in pairs], np.float64), [f for _, f in pairs]  # type: ignore[misc]

    def ranges(self, times: np.ndarray, mask: np.ndarray) -> tuple[TimeRange, ...]:
        """Where ``mask`` holds, each sample standing for ``step`` seconds of video."""
        found = ranges_from_mask(times, mask, self.step, self.fps, merge_gap=0.51 * self.step)
        if self.duration <= 0:
            return found
        return tuple(
            time_range(r.start, max(min(r.end, self.duration), r.start + 1 / self.fps), self.fps)
            if r.end > self.duration
            else r
            for r in found
        )


def face_light(image: np.ndarray, face: FaceObservation) -> FaceLight:
    """Light statistics of ``face`` in the RGB ``uint8 (H, W, 3)`` ``image``."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = face.box
    dx, dy = (x1 - x0) * FACE_INSET, (y1 - y0) * FACE_INSET
    c0, r0 = int(max(0, x0 + dx)), int(max(0, y0 + dy))
    c1, r1 = int(min(w, x1 - dx)), int(min(h, y1 - dy))
    if c1 - c0 < 4 or r1 - r0 < 4:
        return FaceLight(float("nan"), 0.0, 1.0, 1.0)
    crop = image[r0:r1, c0:c1].astype(np.float32)
    luma = crop @ np.array([0.299, 0.587, 0.114], np.float32)
    split = int(np.clip(np.asarray(face.landmarks["nose"])[0, 0] - c0, 1, luma.shape[1] - 1))
    left, right = float(luma[:, :split].mean()), float(luma[:, split:].mean())
    p5, p95 = np.percentile(luma, [5, 95])
    return FaceLight(
        median=float(np.median(luma)),
        clipped=float((luma >= CLIPPED_LUMA).mean()),
        side_ratio=min(left, right) / max(left, right, 1.0),
        contrast=float(p95) / max(float(p5), 1.0),
    )


def face_sample(image: np.ndarray, face: FaceObservation) -> FaceSample:
    """The measures of one tracked face in its frame."""
    lip = np.asarray(face.landmarks["outer_lip"], np.float32)
    width = float(np.linalg.norm(lip[OUTER_LIP_RIGHT_CORNER] - lip[OUTER_LIP_LEFT_CORNER]))
    return FaceSample(
        track_id=face.track_id,
        box=tuple(float(v) for v in face.box),  # type: ignore[arg-type]
        yaw=face.pose.yaw,
        pitch=face.pose.pitch,
        roll=face.pose.roll,
        confidence=face.confidence,
        mouth_ratio=width / max(face.inter_ocular, 1e-6),
        light=face_light(image, face),
    )


def sample_video(
    video: str | Path,
    per_second: float = DEFAULT_SAMPLES_PER_SECOND,
    max_samples: int | None = None,
    on_progress: CountCallback | None = None,
) -> VideoSamples:
    """Sample ``per_second`` frames a second of ``video`` (fewer when ``max_samples`` caps
    them over its duration) and measure their faces. Raises the media layer's errors for a
    missing or unreadable file."""
    from lipsync.core.face import BackendOptions, FaceTracker, TrackerOptions
    from lipsync.core.media import open_video, probe
    from lipsync.core.models import SessionOptions

    report = on_progress or (lambda done, total: None)
    info = probe(video)
    duration = float(info.video[0].duration or info.duration or 0.0) if info.video else 0.0
    step = 1.0 / per_second
    if max_samples and duration > 0:
        step = max(step, duration / max_samples)
    with open_video(video) as reader:
        vinfo = reader.info
        fps = float(vinfo.fps or DEFAULT_FPS)
        backend = BackendOptions(session=SessionOptions(threads=TRACKING_THREADS))
        tracker = FaceTracker(TrackerOptions(detect_every=1, fps=1.0 / step, backend=backend))
        samples: list[FrameSample] = []
        total = vinfo.frame_count or None
        t0: float | None = None
        next_time = 0.0
        frames = 0
        tb = vinfo.time_base
        for index, frame in reader.iter_decoded():
            frames = index + 1
            t = float(frame.pts * tb) if frame.pts is not None else index / fps
            t0 = t if t0 is None else t0
            if t - t0 + 0.5 / fps >= next_time:
                image = reader.to_rgb(frame)
                faces = tracker.update(image)
                samples.append(
                    FrameSample(index, t - t0, tuple(face_sample(image, f) for f in faces))
                )
                next_time += step
                while next_time <= t - t0:
                    next_time += step
            report(frames, total)
    if frames and duration <= 0:
        duration = frames / fps
    return VideoSamples(
        path=str(video),
        width=vinfo.width,
        height=vinfo.height,
        fps=fps,
        duration=duration,
        frames=frames,
        step=step,
        samples=tuple(samples),
        field_order=vinfo.field_order,
    )
