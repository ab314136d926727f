"""After a run: how well did the result follow the speech? Re-reads the input, the output and
the speech (never the engine's internals) and measures:

- the audio-visual offset: the lip-synced mouth's opening (tracked in the output) cross-
  correlated with the mouth opening the speech asks for (its mouth track, analysed again from
  the audio as the run did); about 0 after a good sync, positive when the mouth moves after
  the sound. Only the stretch the speech moves the mouth in is compared: before and after
  it the mouth keeps its own rest shape. (The loudness envelope was tried as the reference
  and rejected: its correlation with the mouth is weak and nearly flat over lags.)
- per shot (cuts as :mod:`lipsync.core.shots` finds them): the share of frames with a face,
  the landmark confidence, the correlation at that offset, and a confidence 0..1 that is
  their product;
- thumbnails before/after of the lower face at the widest mouth openings;
- a plot of mouth opening against the speech.

Frames processed, rendered and passed through (and why) come from the run's own report.
"""

from __future__ import annotations

import dataclasses
import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lipsync.core.constants import DEFAULT_FPS
from lipsync.core.progress import CountCallback, ProgressCallback
from lipsync.core.quality.aperture import mouth_aperture
from lipsync.core.shots import CutDetector

MAX_OFFSET_SECONDS = 0.5  # s; offsets searched from -this to +this
THUMBNAILS = 3  # before/after pairs in the report
THUMB_HEIGHT = 160  # px, height of a thumbnail
THUMB_MIN_GAP = 0.5  # s between the frames thumbnails are taken from
SPEECH_VARIES = 0.02  # std of the expected opening below which a shot has no speech to follow
SPEAKING_OPEN = 0.02  # expected opening above which the speech moves the mouth
SPEAKING_PAD = 0.2  # s around the speech still compared (the mouth anticipates and lingers)
STAGE_MEASURE = "Measuring the result"
STAGE_SPEECH = "Analysing speech for the report"


@dataclass(frozen=True)
class AvOffset:
    """Offset between picture and sound: ``seconds`` (and ``frames``) the mouth moves after
    the ``reference`` (positive: the picture is late), at ``correlation`` (Pearson r)."""

    seconds: float
    frames: int
    correlation: float
    reference: str

    def to_json(self) -> dict[str, Any]:
        return {k: _num(v) for k, v in dataclasses.asdict(self).items()}


@dataclass(frozen=True)
class ShotReport:
    """One shot: times in s from the first frame, frame numbers, ``face_share`` of frames with
    a tracked face, mean ``landmark_confidence``, ``correlation`` of the mouth with the speech
    (NaN without speech in the shot) and ``confidence`` 0..1 (their product)."""

    index: int
    start: float
    end: float
    first_frame: int
    last_frame: int
    face_share: float
    landmark_confidence: float
    correlation: float
    confidence: float

    def to_json(self) -> dict[str, Any]:
        return {k: _num(v) for k, v in dataclasses.asdict(self).items()}


@dataclass(frozen=True, eq=False)
class Thumbnail:
    """The lower face at one frame, ``before`` (input) and ``after`` (output) as PNG bytes."""

    frame: int
    time: float
    aperture: float
    before: bytes
    after: bytes

    def to_json(self) -> dict[str, Any]:
        return {"frame": self.frame, "time": _num(self.time), "aperture": _num(self.aperture)}


@dataclass(frozen=True, eq=False)
class RunAnalysis:
    """What :func:`analyse_run` measured. ``times`` ``float64 (N,)`` s; ``expected`` the
    speech's mouth opening 0..1 and ``measured`` the output's aperture (NaN without a face),
    both ``float64 (N,)``; ``plot`` a PNG of them."""

    frames: int
    rendered: int
    passed_through: dict[str, int]
    offset: AvOffset
    shots: tuple[ShotReport, ...]
    thumbnails: tuple[Thumbnail, ...]
    times: np.ndarray
    expected: np.ndarray
    measured: np.ndarray
    plot: bytes = b""

    def to_json(self) -> dict[str, Any]:
        return {
            "frames": self.frames,
            "rendered": self.rendered,
            "passed_through": dict(self.passed_through),
            "av_offset": self.offset.to_json(),
            "shots": [s.to_json() for s in self.shots],
            "thumbnails": [t.to_json() for t in self.thumbnails],
            "mouth_opening": {
                "times": [round(float(t), 4) for t in self.times],
                "expected": [_num(v, 3) for v in self.expected],
                "measured": [_num(v, 3) for v in self.measured],
            },
        }


@dataclass(eq=False)
class _Measured:
    times: np.ndarray  # float64 (N,) s from the first frame
    aperture: np.ndarray  # float64 (N,), NaN without a face
    confidence: np.ndarray  # float64 (N,), 0 without a face
    boxes: np.ndarray  # float32 (N, 4) face box, NaN without a face
    cuts: tuple[int, ...]  # frames that start a new shot (shots.CutDetector)
    fps: float


def lag_correlations(measured: np.ndarray, expected: np.ndarray, max_lag: int) -> np.ndarray:
    """Pearson r of ``measured`` against ``expected`` (``float (N,)``, NaN = no value) at each
    lag -max_lag..max_lag frames (``float64 (2 max_lag + 1,)``, NaN where under 3 frames
    overlap or a side is constant); positive lag: ``measured`` is late."""
    a, b = np.asarray(measured, np.float64), np.asarray(expected, np.float64)
    out = np.full(2 * max_lag + 1, np.nan)
    for k, lag in enumerate(range(-max_lag, max_lag + 1)):
        x, y = (a[lag:], b[: len(b) - lag]) if lag >= 0 else (a[:lag], b[-lag:])
        n = min(len(x), len(y))
        ok = np.isfinite(x[:n]) & np.isfinite(y[:n])
        if ok.sum() >= 3 and np.std(x[:n][ok]) > 0 and np.std(y[:n][ok]) > 0:
            out[k] = np.corrcoef(x[:n][ok], y[:n][ok])[0, 1]
    return out


def while_speaking(measured: np.ndarray, expected: np.ndarray, fps: float) -> np.ndarray:
    """``measured`` with NaN outside the stretch the speech moves the mouth in (padded by
    :data:`SPEAKING_PAD`): before and after the speech the mouth keeps its own rest shape, a
    smile, say, which says nothing about timing."""
    active = np.flatnonzero(np.asarray(expected) > SPEAKING_OPEN)
    out = np.asarray(measured, np.float64).copy()
    if active.size:
        pad = round(SPEAKING_PAD * fps)
        out[: max(0, active[0] - pad)] = np.nan
        out[active[-1] + pad + 1 :] = np.nan
    return out


def estimate_offset(
    measured: np.ndarray, expected: np.ndarray, fps: float, reference: str
) -> AvOffset:
    """The lag that best aligns ``measured`` with ``expected``, refined between frames by a
    parabola through the correlations around it."""
    max_lag = max(1, round(MAX_OFFSET_SECONDS * fps))
    r = lag_correlations(measured, expected, max_lag)
    if not np.isfinite(r).any():
        return AvOffset(float("nan"), 0, float("nan"), reference)
    k = int(np.nanargmax(r))
    shift = 0.0
    if 0 < k < len(r) - 1 and np.isfinite(r[k - 1]) and np.isfinite(r[k + 1]):
        den = r[k - 1] - 2 * r[k] + r[k + 1]
        shift = float(np.clip(0.5 * (r[k - 1] - r[k + 1]) / den, -0.5, 0.5)) if den < 0 else 0.0
    lag = k - max_lag
    return AvOffset((lag + shift) / fps, lag, float(r[k]), reference)


def shot_reports(
    m: _Measured, expected: np.ndarray, lag: int, compared: np.ndarray | None = None
) -> tuple[ShotReport, ...]:
    """Per shot between cuts: face share, landmark confidence, correlation (of ``compared``,
    default the measured aperture, with ``expected`` at ``lag`` frames), confidence."""
    n = len(m.times)
    compared = m.aperture if compared is None else compared
    bounds = [0, *m.cuts, n]
    step = 1.0 / m.fps
    shots = []
    for index, (a, b) in enumerate(itertools.pairwise(bounds)):
        has = np.isfinite(m.aperture[a:b])
        share = float(has.mean()) if b > a else 0.0
        conf = float(m.confidence[a:b][has].mean()) if has.any() else 0.0
        exp = expected[a:b]
        speaks = bool(np.nanstd(exp) >= SPEECH_VARIES)
        r = float("nan")
        if speaks:
            r = float(lag_correlations(compared[a:b], exp, abs(lag))[lag + abs(lag)])
        sync = (max(r, 0.0) if np.isfinite(r) else 0.0) if speaks else 1.0
        start, end = float(m.times[a]), float(m.times[b - 1]) + step
        shots.append(ShotReport(index, start, end, a, b - 1, share, conf, r, share * conf * sync))
    return tuple(shots)


def analyse_run(
    sync: Any,
    *,
    text: str | None = None,
    lang: str | None = None,
    thumbnails: int = THUMBNAILS,
    on_progress: ProgressCallback | None = None,
    asr: str | None = None,
    asr_model: str | None = None,
) -> RunAnalysis:
    """Measure a finished run. ``sync`` is the engine's report
    (:class:`~lipsync.core.engine.SyncReport`: its ``video``, ``audio``, ``output``, ``frames``,
    ``rendered`` and ``passed_through`` are read); ``text``/``lang``/``asr``/``asr_model`` as
    given to the run, so the speech is analysed the same way."""
    from lipsync.core.quality.mouth_plot import plot_mouth_opening
    from lipsync.core.speech import analyse_speech, load_speech_audio

    report = on_progress or (lambda stage, done, total: None)
    m = _measure_output(Path(sync.output), lambda d, t: report(STAGE_MEASURE, d, t))
    speech = load_speech_audio(sync.audio)
    track = analyse_speech(
        speech.samples,
        speech.sample_rate,
        m.fps,
        frame_times=m.times,
        text=text,
        lang=lang,
        espeak_events=speech.events,
        on_progress=lambda done, total: report(STAGE_SPEECH, done, total),
        asr=asr,
        asr_model=asr_model,
    )
    expected = track.param("open").astype(np.float64)
    speaking = while_speaking(m.aperture, expected, m.fps)
    offset = estimate_offset(speaking, expected, m.fps, "mouth track")
    shots = shot_reports(m, expected, offset.frames, speaking)
    thumbs = _thumbnails(Path(sync.video), Path(sync.output), m, thumbnails)
    with tempfile.TemporaryDirectory(prefix="lipsync-report-") as tmp:
        r = offset.correlation
        title = f"Mouth opening against the speech: r = {r:.2f}, offset {offset.seconds:+.2f} s"
        png = plot_mouth_opening(
            Path(tmp) / "plot.png",
            m.times,
            expected,
            {"lip-synced mouth": m.aperture},
            speech.samples,
            speech.sample_rate,
            track.phones,
            title=title,
        )
        plot = png.read_bytes()
    return RunAnalysis(
        frames=int(sync.frames),
        rendered=int(sync.rendered),
        passed_through=dict(sync.passed_through),
        offset=offset,
        shots=shots,
        thumbnails=thumbs,
        times=m.times,
        expected=expected,
        measured=m.aperture,
        plot=plot,
    )


def _measure_output(video: Path, on_progress: CountCallback) -> _Measured:
    """Track every frame of ``video``: the largest face's aperture, confidence and box, and
    the frames that start a new shot. Memory: a few numbers a frame."""

    from lipsync.core.face import BackendOptions, FaceTracker, TrackerOptions
    from lipsync.core.media import open_video
    from lipsync.core.models import SessionOptions

    times, aperture, confidence, boxes, cuts = [], [], [], [], []
    detector = CutDetector()
    with open_video(video) as reader:
        fps = float(reader.info.fps or DEFAULT_FPS)
        backend = BackendOptions(session=SessionOptions(threads=1))
        tracker = FaceTracker(TrackerOptions(fps=fps, backend=backend))
        total = reader.info.frame_count or None
        for frame in reader:
            faces = tracker.update(frame.image)
            times.append(frame.time)
            face = max(faces, key=lambda f: f.width * f.height, default=None)
            aperture.append(mouth_aperture(face) if face is not None else np.nan)
            confidence.append(face.confidence if face is not None else 0.0)
            boxes.append(face.box if face is not None else (np.nan,) * 4)
            if detector.starts_shot(frame.image):
                cuts.append(len(times) - 1)
            on_progress(frame.index + 1, total)
    t = np.asarray(times, np.float64)
    return _Measured(
        times=t - t[0] if t.size else t,
        aperture=np.asarray(aperture, np.float64),
        confidence=np.asarray(confidence, np.float64),
        boxes=np.asarray(boxes, np.float32).reshape(-1, 4),
        cuts=tuple(cuts),
        fps=fps,
    )


def pick_widest(aperture: np.ndarray, fps: float, count: int) -> list[int]:
    """Up to ``count`` frame indices of the widest openings, at least
    :data:`THUMB_MIN_GAP` seconds apart, in time order."""
    gap = max(1, round(THUMB_MIN_GAP * fps))
    chosen: list[int] = []
    values = np.where(np.isfinite(aperture), aperture, -np.inf)
    for i in np.argsort(-values, kind="stable"):
        if len(chosen) >= count or not np.isfinite(values[i]):
            break
        if all(abs(int(i) - c) >= gap for c in chosen):
            chosen.append(int(i))
    return sorted(chosen)


def _thumbnails(video: Path, output: Path, m: _Measured, count: int) -> tuple[Thumbnail, ...]:
    """Before/after crops of the lower face at the widest openings of the output."""
    chosen = pick_widest(m.aperture, m.fps, count)
    if not chosen:
        return ()
    before, after = _grab(video, chosen, m.boxes), _grab(output, chosen, m.boxes)
    return tuple(
        Thumbnail(i, float(m.times[i]), float(m.aperture[i]), before[i], after[i])
        for i in chosen
        if i in before and i in after
    )


def _grab(video: Path, indices: list[int], boxes: np.ndarray) -> dict[int, bytes]:
    """PNG crops of the lower face at frame ``indices`` of ``video`` (decoding only)."""
    import cv2

    from lipsync.core.media import open_video

    wanted, out = set(indices), {}
    with open_video(video) as reader:
        for index, frame in reader.iter_decoded():
            if index in wanted:
                image = reader.to_rgb(frame)
                crop = _lower_face(image, boxes[index])
                scale = THUMB_HEIGHT / crop.shape[0]
                size = (max(1, round(crop.shape[1] * scale)), THUMB_HEIGHT)
                crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
                ok, data = cv2.imencode(".png", cv2.cvtColor(crop, cv2.COLOR_RGB2BGR))
                if ok:
                    out[index] = data.tobytes()
            if index >= max(indices):
                break
    return out


def _lower_face(image: np.ndarray, box: np.ndarray) -> np.ndarray:
    """The lower two thirds of the face box, widened a little, inside the image."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = (float(v) for v in box)
    bw, bh = x1 - x0, y1 - y0
    c0, c1 = int(max(0, x0 - 0.15 * bw)), int(min(w, x1 + 0.15 * bw))
    r0, r1 = int(max(0, y0 + 0.3 * bh)), int(min(h, y1 + 0.12 * bh))
    if c1 - c0 < 2 or r1 - r0 < 2:
        return image
    return image[r0:r1, c0:c1]


def _num(value: Any, digits: int = 4) -> Any:
    if isinstance(value, float | np.floating):
        return round(float(value), digits) if np.isfinite(value) else None
    return value
