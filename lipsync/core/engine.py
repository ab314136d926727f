"""LipSyncEngine: one video + one speech track in, the same video speaking that track out.

Two streaming passes over the video, memory bounded by a frame plus the per-frame face
observations (about a kilobyte a frame):

1. decode → track faces → per-track appearance (neutral mouth, the speaker's own open-mouth
   interiors); plan which face speaks in which frame, and with what strength;
2. decode → render the chosen faces' lower face to the mouth track of the speech → encode,
   every frame with its original timestamp, untouched frames passed through as they are.

The speech is analysed whole up front (audio is small). Audio time 0 is the first frame.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lipsync.core.errors import InputError, NoStreamError
from lipsync.core.media import (
    EncodeOptions,
    VideoWriter,
    check_input_path,
    check_output_path,
    frame_times,
    open_video,
    probe,
)
from lipsync.core.media.patch import PatchFrame, patchable, stable_region
from lipsync.core.selection import FramePlan, SelectionOptions, plan_frames
from lipsync.core.streaming import prefetch
from lipsync.core.types import (
    LANDMARK_COUNTS,
    LANDMARK_GROUPS,
    FaceObservation,
    MouthTrack,
    Pose,
)

log = logging.getLogger("lipsync")

ProgressCallback = Callable[[str, int, "int | None"], None]
TRACKING_THREADS = 1  # onnxruntime threads for face tracking (decoding runs beside it)
REGION_MARGIN = 0.8  # inter-ocular distances around jaw and nose that rendering may change


class NoFaceError(InputError):
    """No frame has a face that can be lip-synced."""


@dataclass(frozen=True)
class SyncOptions:
    """Everything a run can be asked to do differently.

    ``start``/``end``: seconds from the first frame; only frames in [start, end) change.
    ``renderer``/``model``: the mouth renderer by name and its model file (learned renderers
    only). ``text``/``lang``: the transcript of the speech, for forced alignment. ``allow_no_face``:
    write an untouched copy instead of failing when no usable face is found.
    """

    renderer: str = "warp"
    model: str | None = None
    selection: SelectionOptions = field(default_factory=SelectionOptions)
    start: float | None = None
    end: float | None = None
    text: str | None = None
    lang: str | None = None
    encode: EncodeOptions = field(default_factory=EncodeOptions)
    detect_every: int | None = None
    allow_no_face: bool = False

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value = getattr(self, name)
            if value is not None and not (value >= 0 and np.isfinite(value)):
                raise InputError(f"--{name} {value} is not a time: give seconds, 0 or more.")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise InputError(
                f"--end {self.end} is not after --start {self.start}: give a non-empty range."
            )


@dataclass(frozen=True)
class SyncReport:
    """What a run did. Times in seconds. ``passed_through`` counts untouched frames by reason;
    ``audio_cut`` is speech past the video's end that was dropped; ``audio_short_by`` how long
    the video runs on after the speech ends (the mouth rests at neutral there)."""

    video: str
    audio: str
    output: str
    frames: int
    rendered: int
    passed_through: dict[str, int]
    faces: tuple[int, ...]
    renderer: str
    mouth_source: str
    video_duration: float
    audio_duration: float
    audio_cut: float
    audio_short_by: float
    seconds: float
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class LipSyncEngine:
    """Lip-sync videos with one set of options::

    engine = LipSyncEngine(SyncOptions(renderer="warp"))
    report = engine.run("interview.mp4", "dub_es.wav", "interview_es.mp4")
    """

    def __init__(self, options: SyncOptions | None = None) -> None:
        from lipsync.core.render import get_renderer

        self.options = options or SyncOptions()
        self.renderer = get_renderer(self.options.renderer, self.options.model)

    def run(
        self,
        video: str | Path,
        audio: str | Path,
        output: str | Path,
        on_progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """Lip-sync ``video`` to the speech in ``audio`` and write ``output`` (atomically)."""
        started = time.perf_counter()
        report = on_progress or (lambda stage, done, total: None)
        video, audio, output = Path(video), Path(audio), Path(output)
        check_input_path(video, "video")
        check_input_path(audio, "audio")
        check_output_path(output, [video, audio])
        info = probe(video)
        if not info.video:
            raise NoStreamError(f"The file '{video}' has no video stream: give a video file.")
        mode = self.options.encode.audio_mode
        if mode in ("keep", "both") and not info.audio:
            raise NoStreamError(
                f"The video '{video}' has no audio to keep (--audio-mode {mode}): "
                "use --audio-mode replace."
            )

        # Pass 0: frame times from the packets, so the speech is analysed (and its samples
        # freed) before the per-frame face data starts to accumulate.
        rel = _relative(frame_times(video))
        fps = float(info.video[0].fps) if info.video[0].fps else 25.0
        mouth, audio_duration = self._mouth_track(audio, fps, rel, report)
        tracked = self._track(video, report)
        if len(tracked.times) != len(rel) or not np.allclose(tracked.times, rel, atol=1e-6):
            log.debug("decoded frame times differ from the packets': re-analysing the speech")
            mouth, audio_duration = self._mouth_track(audio, fps, tracked.times, report)
        plan = plan_frames(tracked.observations, tracked.in_range, self.options.selection)
        warnings: list[str] = []
        if plan.rendered == 0:
            message = _no_face_message(video, plan)
            if not self.options.allow_no_face:
                raise NoFaceError(message + " Use --allow-no-face to write an untouched copy.")
            warnings.append(message + " The output is an untouched copy.")
            log.warning("%s", warnings[-1])

        result = self._render(video, audio, output, tracked, plan, mouth, report)
        video_duration = result.video_end - tracked.t0
        short_by = max(0.0, video_duration - audio_duration)
        if result.audio_cut > 0.01:
            warnings.append(f"{result.audio_cut:.2f} s of speech after the video's end was cut.")
        return SyncReport(
            video=str(video),
            audio=str(audio),
            output=str(output),
            frames=result.frames,
            rendered=plan.rendered,
            passed_through=plan.passed_through(),
            faces=tuple(sorted({f for faces in plan.faces for f in faces})),
            renderer=self.options.renderer,
            mouth_source=mouth.source,
            video_duration=video_duration,
            audio_duration=audio_duration,
            audio_cut=result.audio_cut,
            audio_short_by=short_by,
            seconds=time.perf_counter() - started,
            warnings=tuple(warnings),
        )

    # --- pass 1 -----------------------------------------------------------------------------

    def _track(self, video: Path, report: ProgressCallback) -> _Tracked:
        from lipsync.core.face import BackendOptions, FaceTracker, TrackerOptions
        from lipsync.core.models import SessionOptions
        from lipsync.core.render import AppearanceBuilder

        opts = self.options
        with open_video(video) as reader:
            info = reader.info
            fps = float(info.fps) if info.fps else 25.0
            # one inference thread: the read-ahead thread decodes on the other core
            backend = BackendOptions(session=SessionOptions(threads=TRACKING_THREADS))
            tracker_opts = TrackerOptions(fps=fps, backend=backend)
            if opts.detect_every is not None:
                tracker_opts = dataclasses.replace(tracker_opts, detect_every=opts.detect_every)
            tracker = FaceTracker(tracker_opts)
            observations: list[tuple[PackedFace, ...]] = []
            times: list[float] = []
            builders: dict[int, AppearanceBuilder] = {}
            total = info.frame_count or None
            for frame in prefetch(reader):
                faces = tracker.update(frame.image)
                observations.append(tuple(PackedFace.pack(f) for f in faces))
                times.append(frame.time)
                for face in faces:
                    builder = builders.setdefault(face.track_id, AppearanceBuilder())
                    builder.add(frame.image, face)
                report("Tracking faces", frame.index + 1, total)
        if not times:
            raise InputError(f"The video '{video}' has no frames that can be decoded.")
        t0 = times[0]
        rel = _relative(times)
        start = opts.start if opts.start is not None else -np.inf
        end = opts.end if opts.end is not None else np.inf
        in_range = [bool(start <= t < end) for t in rel]
        appearances = {tid: b.build() for tid, b in builders.items()}
        return _Tracked(fps, t0, rel, observations, in_range, appearances)

    # --- speech -----------------------------------------------------------------------------

    def _mouth_track(
        self, audio: Path, fps: float, times: np.ndarray, report: ProgressCallback
    ) -> tuple[MouthTrack, float]:
        """The mouth track at ``times`` (s from the first frame) and the audio's duration."""
        from lipsync.core.speech import analyse_speech, load_speech_audio

        speech = load_speech_audio(audio)
        duration = speech.samples.shape[0] / speech.sample_rate
        track = analyse_speech(
            speech.samples,
            speech.sample_rate,
            fps,
            frame_times=times,
            text=self.options.text,
            lang=self.options.lang,
            espeak_events=speech.events,
            on_progress=lambda done, total: report("Analysing speech", done, total),
        )
        return track, duration

    # --- pass 2 -----------------------------------------------------------------------------

    def _render(
        self,
        video: Path,
        audio: Path,
        output: Path,
        tracked: _Tracked,
        plan: FramePlan,
        mouth: MouthTrack,
        report: ProgressCallback,
    ):
        opts = self.options
        n = len(plan.faces)
        with open_video(video) as reader:
            writer = VideoWriter(
                output, reader.info, options=opts.encode, audio=audio, original=video
            )
            fast = patchable(reader.info) and writer.pix_fmt == reader.info.pix_fmt
            with writer:
                if fast:
                    for i, decoded in prefetch(reader.iter_decoded()):
                        if i < n and plan.faces[i]:
                            patch = PatchFrame(decoded, reader.info)
                            for face in self._faces(tracked, plan, i):
                                self._render_region(patch, face, mouth.values[i], tracked, plan, i)
                            decoded = patch.to_av() if patch.changed else decoded
                        writer.write_decoded(decoded, decoded.pts)
                        report("Rendering", i + 1, n)
                else:
                    for frame in prefetch(reader):
                        i = frame.index
                        if i < n and plan.faces[i]:
                            image = frame.image
                            for face in self._faces(tracked, plan, i):
                                image = self.renderer.render(
                                    image,
                                    face,
                                    mouth.values[i],
                                    tracked.appearances[face.track_id],
                                    strength=float(plan.strength[i]),
                                )
                            frame = dataclasses.replace(frame, image=image)
                        writer.write(frame)
                        report("Rendering", i + 1, n)
        assert writer.result is not None
        return writer.result

    @staticmethod
    def _faces(tracked: _Tracked, plan: FramePlan, i: int) -> list[FaceObservation]:
        """The faces chosen in frame ``i``, unpacked."""
        by_id = {f.track_id: f for f in tracked.observations[i]}
        return [by_id[tid].unpack() for tid in plan.faces[i]]

    def _render_region(
        self,
        patch: PatchFrame,
        face: FaceObservation,
        target: np.ndarray,
        tracked: _Tracked,
        plan: FramePlan,
        i: int,
    ) -> None:
        """Render one face inside the region around its lower face only."""
        height, width = patch.y.shape
        region = stable_region(*lower_face_bounds(face, REGION_MARGIN), width, height)
        if region[2] - region[0] < 2 or region[3] - region[1] < 2:
            return
        before = patch.rgb(region)
        after = self.renderer.render(
            before,
            shift_face(face, -region[0], -region[1]),
            target,
            tracked.appearances[face.track_id],
            strength=float(plan.strength[i]),
        )
        patch.put_rgb(region, before, after)


@dataclass(eq=False)
class _Tracked:
    fps: float
    t0: float  # s, time of the first frame
    times: np.ndarray  # float64 (N,) s from the first frame
    observations: list[tuple[PackedFace, ...]]
    in_range: list[bool]
    appearances: dict[int, Any]


class PackedFace:
    """A :class:`FaceObservation` kept compactly for the whole video: the landmarks, box, pose
    and confidence in one ``float32`` array (about 0.5 KB a face), unpacked when rendered."""

    __slots__ = ("_data", "track_id")
    _N = sum(LANDMARK_COUNTS.values())  # landmark points

    def __init__(self, track_id: int, data: np.ndarray) -> None:
        self.track_id = track_id
        self._data = data

    @classmethod
    def pack(cls, face: FaceObservation) -> PackedFace:
        points = np.concatenate([face.landmarks[g] for g in LANDMARK_GROUPS], axis=0)
        extra = (*face.box, face.pose.yaw, face.pose.pitch, face.pose.roll, face.confidence)
        return cls(face.track_id, np.concatenate([points.ravel(), extra]).astype(np.float32))

    @property
    def width(self) -> float:
        return float(self._data[2 * self._N + 2] - self._data[2 * self._N])

    @property
    def height(self) -> float:
        return float(self._data[2 * self._N + 3] - self._data[2 * self._N + 1])

    @property
    def pose(self) -> Pose:
        return Pose(*(float(v) for v in self._data[2 * self._N + 4 : 2 * self._N + 7]))

    def unpack(self) -> FaceObservation:
        points = self._data[: 2 * self._N].reshape(-1, 2)
        landmarks, at = {}, 0
        for group in LANDMARK_GROUPS:
            n = LANDMARK_COUNTS[group]
            landmarks[group] = points[at : at + n].copy()
            at += n
        tail = self._data[2 * self._N :]
        box = (float(tail[0]), float(tail[1]), float(tail[2]), float(tail[3]))
        return FaceObservation(box, landmarks, self.pose, float(tail[7]), self.track_id)


def lower_face_bounds(face: FaceObservation, margin: float) -> tuple[float, float, float, float]:
    """(x0, y0, x1, y1) px around the jaw and nose, widened by ``margin`` inter-ocular
    distances on every side: the only place a renderer may change."""
    points = np.concatenate([face.landmarks["jaw"], face.landmarks["nose"]], axis=0)
    pad = margin * face.inter_ocular
    (x0, y0), (x1, y1) = points.min(axis=0) - pad, points.max(axis=0) + pad
    return float(x0), float(y0), float(x1), float(y1)


def shift_face(face: FaceObservation, dx: float, dy: float) -> FaceObservation:
    """``face`` moved by (dx, dy) px: the same face in a region's own coordinates."""
    offset = np.array([dx, dy], np.float32)
    box = (face.box[0] + dx, face.box[1] + dy, face.box[2] + dx, face.box[3] + dy)
    landmarks = {g: np.asarray(p, np.float32) + offset for g, p in face.landmarks.items()}
    return dataclasses.replace(face, box=box, landmarks=landmarks)


def _relative(times) -> np.ndarray:
    """``float64 (N,)`` seconds from the first of ``times``."""
    t = np.asarray(times, np.float64)
    return t - t[0] if t.size else t


def _no_face_message(video: Path, plan: FramePlan) -> str:
    counts = plan.passed_through()
    detail = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in sorted(counts.items()))
    return f"No frame of '{video}' has a face that can be lip-synced ({detail})."
