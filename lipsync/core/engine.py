"""LipSyncEngine: one video + one speech track in, the same video speaking that track out.

The speech is analysed whole up front (audio is small; time 0 is the first frame); then the
video streams once through :class:`~lipsync.core.sync_stream.SyncStream` (decode → track →
lookahead window → render → encode), every frame with its original timestamp, untouched frames
passed through as they are. Memory is bounded by the lookahead, whatever the video's length.
"""

from __future__ import annotations

import io
import logging
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import av

from lipsync.core.constants import DEFAULT_FPS
from lipsync.core.disk_full import disk_full_error
from lipsync.core.errors import InputError, NoFaceError, NoStreamError, OutputError
from lipsync.core.face.tracking_process import warm_up
from lipsync.core.media import (
    EncodeOptions,
    VideoStreamInfo,
    VideoWriter,
    check_input_path,
    check_output_path,
    open_video,
    probe,
)
from lipsync.core.media.audio import check_audio_samples
from lipsync.core.media.probe import TruncatedMediaError, find_truncation
from lipsync.core.media.writer import check_picture_size
from lipsync.core.progress import ProgressCallback
from lipsync.core.streaming import prefetch
from lipsync.core.sync_options import SyncOptions, SyncReport
from lipsync.core.sync_stream import (
    REGION_MARGIN,
    InFrame,
    OutFrame,
    SyncStream,
    lower_face_bounds,
    shift_face,
    tracking_backend,
)

__all__ = [
    "REGION_MARGIN",
    "InFrame",
    "LipSyncEngine",
    "NoFaceError",
    "OutFrame",
    "SyncOptions",
    "SyncReport",
    "SyncStream",
    "lower_face_bounds",
    "shift_face",
]

log = logging.getLogger("lipsync")


class LipSyncEngine:
    """Lip-sync videos with one set of options::

    engine = LipSyncEngine(SyncOptions(renderer="warp"))
    report = engine.run("interview.mp4", "dub_es.wav", "interview_es.mp4")

    or, frames from anywhere (a pipe), in order::

    stream = engine.open_stream(info, "dub_es.wav")
    for out in stream.run(frames):             # InFrame in, OutFrame out
        ...
    """

    def __init__(self, options: SyncOptions | None = None) -> None:
        from lipsync.core.render import get_renderer

        self.options = options or SyncOptions()
        check_encode(self.options.encode)
        self.renderer = get_renderer(self.options.renderer, self.options.model)

    def open_stream(
        self,
        info: VideoStreamInfo,
        audio: str | Path,
        on_progress: ProgressCallback | None = None,
    ) -> SyncStream:
        """A :class:`SyncStream` for frames of a stream described by ``info``, driven by the
        speech in the file ``audio`` (analysed now)."""
        report = on_progress or (lambda stage, done, total: None)
        fps = float(info.fps or DEFAULT_FPS)
        curve, speech = self._analyse(Path(audio), fps, report)
        return SyncStream(self.renderer, self.options, info, curve, speech, on_progress)

    def run(
        self,
        video: str | Path,
        audio: str | Path,
        output: str | Path,
        on_progress: ProgressCallback | None = None,
    ) -> SyncReport:
        """Lip-sync ``video`` to the speech in ``audio`` and write ``output`` (atomically)."""
        started = time.perf_counter()
        video, audio, output = Path(video), Path(audio), Path(output)
        check_input_path(video, "video")
        check_input_path(audio, "audio")
        check_output_path(output, [video, audio])
        check_output_format(output, self.options.encode.codec)
        info = probe(video)
        if not info.video:
            raise NoStreamError(f"The file '{video}' has no video stream: give a video file.")
        mode = self.options.encode.audio_mode
        if mode in ("keep", "both") and not info.audio:
            raise NoStreamError(
                f"The video '{video}' has no audio to keep (--audio-mode {mode}): "
                "use --audio-mode replace."
            )
        warnings = check_inputs(video, audio, mode, self.options.allow_truncated)
        codec = self.options.encode.codec
        check_picture_size(codec, info.video[0].coded_width, info.video[0].coded_height)
        for lost in (
            pixel_shape_lost(info.video[0], output, codec),
            hdr_metadata_lost(info.video[0], output, codec),
        ):
            if lost is not None:
                warnings.append(lost)
                log.warning("%s", lost)
        # the face tracker's own process starts and loads its models while the speech is
        # analysed (the first frame waited ~0.4 s for them); nothing where it is not used
        warm_up(tracking_backend())
        with open_video(video) as reader:
            stream = self.open_stream(reader.info, audio, on_progress)
            writer = VideoWriter(
                output, reader.info, options=self.options.encode, audio=audio, original=video
            )
            with disk_full_as_error(output), writer:
                for out in stream.run(prefetch(decoded_frames(reader.iter_decoded(), reader.info))):
                    write_out(writer, out, reader.info)
                if stream.frames == 0:
                    raise InputError(f"The video '{video}' has no frames that can be decoded.")
                if stream.rendered == 0:
                    message = no_face_message(video, stream.counts)
                    if not self.options.allow_no_face:
                        raise NoFaceError(
                            message + " Use --allow-no-face to write an untouched copy."
                        )
                    warnings.append(message + " The output is an untouched copy.")
                    log.warning("%s", warnings[-1])
        result = writer.result
        assert result is not None
        video_duration = result.video_end - (stream.first_time or 0.0)
        short_by = max(0.0, video_duration - stream.audio_duration)
        if result.audio_cut > 0.01:
            warnings.append(f"{result.audio_cut:.2f} s of speech after the video's end was cut.")
        tracks = renderer_tracks(self.renderer, stream.faces)
        log_tracks(tracks)
        return SyncReport(
            video=str(video),
            audio=str(audio),
            output=str(output),
            frames=result.frames,
            rendered=stream.rendered,
            passed_through=dict(stream.counts),
            faces=tuple(sorted(stream.faces)),
            renderer=self.options.renderer,
            renderer_tracks=tracks,
            mouth_source=stream.curve.source,
            video_duration=video_duration,
            audio_duration=stream.audio_duration,
            audio_cut=result.audio_cut,
            audio_short_by=short_by,
            seconds=time.perf_counter() - started,
            warnings=tuple(warnings),
        )

    def _analyse(self, audio: Path, fps: float, report: ProgressCallback):
        """The speech's mouth curve, and its samples: as decoded when the renderer reads
        audio, else analysed in place (the audio held once, not twice: 38 MB per 10 minutes)."""
        from lipsync.core.protocols import SpeechReader
        from lipsync.core.speech import analyse_speech_curve, load_speech_audio

        speech = load_speech_audio(audio)
        curve = analyse_speech_curve(
            speech.samples,
            speech.sample_rate,
            fps,
            text=self.options.text,
            lang=self.options.lang,
            espeak_events=speech.events,
            asr=self.options.asr,
            asr_model=self.options.asr_model,
            on_progress=lambda done, total: report("Analysing speech", done, total),
            in_place=not isinstance(self.renderer, SpeechReader),
        )
        return curve, (speech.samples, speech.sample_rate)


X264_PRESETS = (
    "ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
    "veryslow", "placebo",
)  # fmt: skip
VIDEO_SUFFIXES = ".mp4, .mov or .mkv"  # the outputs the README documents


def check_encode(encode: EncodeOptions) -> None:
    """Refuse an encoder preset that x264/x265 do not know, before any work."""
    if encode.codec.startswith("libx26") and encode.preset not in X264_PRESETS:
        raise InputError(
            f"Unknown --preset '{encode.preset}': use one of {', '.join(X264_PRESETS)}."
        )


def check_output_format(output: Path, codec: str) -> None:
    """Refuse, before any work, an output name whose container cannot hold ``codec`` video
    (``-o out.wav``), naming the container, or whose extension names no container."""
    suffix = output.suffix.lower().lstrip(".")
    fmt = _muxer_for(suffix) if suffix else None
    if fmt is None:
        raise OutputError(
            f"The output '{output}' has no video file extension: end its name in {VIDEO_SUFFIXES}."
        )
    if not _holds(fmt.name, codec):
        label = CODEC_LABELS.get(codec, codec)
        names = [f".{s}" for s in ("mp4", "mov", "mkv") if _holds(_CONTAINERS[s], codec)]
        within = VIDEO_SUFFIXES if len(names) == 3 else " or ".join(names)
        raise OutputError(
            f"The output '{output}' cannot hold video: .{suffix} makes a {fmt.long_name} file, "
            f"which takes no {label} video; end its name in {within}."
        )


_CONTAINERS = {"mp4": "mp4", "mov": "mov", "mkv": "matroska"}  # the muxers of the documented names


def pixel_shape_lost(video: VideoStreamInfo, output: Path, codec: str) -> str | None:
    """The warning, when ``output`` will show anamorphic ``video`` squeezed: Matroska takes
    the pixel shape from an H.264 or H.265 stream's own header only (libavformat reads the
    stream's shape, which the encoding library cannot set), so ProRes or FFV1 in a .mkv lose
    it; None when it is kept."""
    if video.sample_aspect == 1 or codec in ("libx264", "libx265"):
        return None
    fmt = _muxer_for(output.suffix.lower().lstrip("."))
    if fmt is None or fmt.name != "matroska":
        return None
    sar = video.sample_aspect
    return (
        f"The video's pixels are {sar.numerator}:{sar.denominator} (anamorphic), which a .mkv of "
        f"{CODEC_LABELS.get(codec, codec)} video cannot say here: '{output}' will show squeezed; "
        "write a .mov or .mp4 to keep the shape."
    )


def hdr_metadata_lost(video: VideoStreamInfo, output: Path, codec: str) -> str | None:
    """The warning, when ``output`` will lack ``video``'s HDR10 mastering display and light
    levels: H.264 carries them in its own stream (SEI), but ProRes and FFV1 only in the
    container's boxes, which the media library here cannot write; None when they are kept."""
    if video.hdr is None or codec == "libx264":
        return None
    return (
        f"The video carries HDR10 metadata (mastering display, light levels), which "
        f"{CODEC_LABELS.get(codec, codec)} video cannot carry here: '{output}' will be without "
        "it; use --codec h264 to keep it."
    )


#: How the messages name the video encoders
CODEC_LABELS = {
    "libx264": "H.264", "libx265": "H.265", "prores_ks": "ProRes", "dnxhd": "DNxHR", "ffv1": "FFV1"
}  # fmt: skip


def _holds(muxer: str, codec: str) -> bool:
    """Whether the container ``muxer`` takes ``codec`` video."""
    try:
        with av.open(io.BytesIO(), mode="w", format=muxer) as probe_out:
            probe_out.add_stream(codec)
    except (ValueError, av.error.FFmpegError):
        return False
    return True


def _muxer_for(suffix: str) -> av.format.ContainerFormat | None:
    """The muxer libavformat picks for a file name ending in ``.suffix``: the format of that
    name (as the writer asks for it), else the first whose extensions list it."""
    try:
        return av.format.ContainerFormat(suffix, "w")
    except (ValueError, av.error.FFmpegError):
        pass
    for name in sorted(av.formats_available):
        try:
            fmt = av.format.ContainerFormat(name, "w")
        except (ValueError, av.error.FFmpegError):
            continue
        if fmt.is_output and suffix in fmt.extensions:
            return fmt
    return None


@contextmanager
def disk_full_as_error(output: Path) -> Iterator[None]:
    """A full disk while ``output`` is written becomes one sentence naming its folder."""
    try:
        yield
    except OSError as e:
        full = disk_full_error(e, output)
        if full is None:
            raise
        raise full from e


def check_inputs(video: Path, audio: Path, audio_mode: str, allow_truncated: bool) -> list[str]:
    """Refuse, before any work, a truncated ``video`` (unless ``allow_truncated``: then a
    warning) and an ``audio`` without samples or with samples that are not numbers (and the
    video's own sound when it goes into the output). Returns the warnings."""
    warnings: list[str] = []
    cut = find_truncation(video)
    if cut is not None:
        if not allow_truncated:
            raise TruncatedMediaError(cut.sentence())
        warnings.append(
            f"The video '{video}' is truncated: only its first {cut.found_duration:.2f} s "
            "are lip-synced and written (--allow-truncated)."
        )
        log.warning("%s", warnings[-1])
    check_audio_samples(audio, "audio")
    if audio_mode in ("keep", "both"):
        check_audio_samples(video, "video")
    return warnings


def decoded_frames(
    frames: Iterable[tuple[int, av.VideoFrame]], info: VideoStreamInfo
) -> Iterator[InFrame]:
    """``(index, frame)`` pairs decoded from a stream described by ``info`` (a file's
    ``VideoReader.iter_decoded()``, a NUT pipe) as :class:`InFrame`, timed by their pts."""
    step = 1 / float(info.fps) if info.fps else 0.04
    for index, frame in frames:
        pts = frame.pts
        time = float(pts * info.time_base) if pts is not None else index * step
        yield InFrame(index, frame, time, pts)


def write_out(writer: VideoWriter, out: OutFrame, info: VideoStreamInfo) -> None:
    """Encode one frame leaving the stream in its own planes: exactly as decoded (and patched)
    where the encoder takes its pixel format, else converted as ffmpeg's transcode would."""
    if out.image is not None:
        writer.write(out.image, out.pts)
    else:
        writer.write_decoded(out.frame, out.pts)


def no_face_message(video: Path | str, counts: Iterable[tuple[str, int]] | dict) -> str:
    """One sentence: no frame of ``video`` had a usable face, with the reasons counted."""
    items = sorted(dict(counts).items())
    detail = ", ".join(f"{n} {reason.replace('_', ' ')}" for reason, n in items)
    return f"No frame of '{video}' has a face that can be lip-synced ({detail})."


TRACK_LINES = 8  # faces logged one line each; more (a film of many shots) are summed up


def log_tracks(tracks: dict[str, str]) -> None:
    """Which renderer drew each face and why: a line per face, or, for more than
    :data:`TRACK_LINES` faces (each shot's faces are new faces), one line counting them by
    renderer, with the lines per face at debug level (``-v``)."""
    if len(tracks) <= TRACK_LINES:
        for track, why in tracks.items():
            log.info("face %s: %s", track, why)
        return
    kinds = Counter(re.sub(r" \(\d+%\)", "", why.split(":")[0]) for why in tracks.values())
    log.info(
        "%d faces: %s (each face: -v, or renderer_tracks in --report)",
        len(tracks),
        ", ".join(f"{n} {kind}" for kind, n in kinds.most_common()),
    )
    for track, why in tracks.items():
        log.debug("face %s: %s", track, why)


def renderer_tracks(renderer: Any, faces: set[int]) -> dict[str, str]:
    """Per face track rendered: which renderer drew its mouth and why (a renderer choosing
    per track, like ``auto``, says so through ``verdicts()``)."""
    verdicts = getattr(renderer, "verdicts", None)
    if verdicts is not None:
        return {str(k): v for k, v in verdicts().items() if k in faces}
    return {str(k): str(renderer.name) for k in sorted(faces)}
