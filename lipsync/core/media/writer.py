"""Encoding frames to H.264 with exactly the input's frames and timestamps, plus audio.

    with VideoReader(src) as reader, VideoWriter(dst, reader.info, audio="dub.wav",
                                                 original=src, inputs=[src]) as writer:
        for frame in reader:
            writer.write(frame)  # or dataclasses.replace(frame, image=new_image)

Audio modes: ``replace`` (the new audio as AAC), ``keep`` (every original audio stream, in
order, copied packet for packet with its language and title, each re-encoded to AAC only if
the container cannot hold its codec), ``both`` (the new audio first and default, then the
originals), ``none``. Audio never runs past the
video's end; :attr:`WriteResult.audio_cut` says how much of the new audio was dropped.

The output is written to a temporary file beside the destination and renamed on success.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from types import TracebackType
from typing import Literal

import av
import numpy as np

import lipsync
from lipsync.core import constants as C
from lipsync.core.errors import InputError, NoStreamError, OutputError, ProcessingError
from lipsync.core.media.atomic import atomic_output
from lipsync.core.media.audio import iter_audio
from lipsync.core.media.colour import colour_spec, encoder_pix_fmt
from lipsync.core.media.container import PathLike, open_input
from lipsync.core.media.convert import EXACT_THREADS, reformatter, rgb_to_frame
from lipsync.core.media.probe import FIELD_ORDERS, VideoStreamInfo
from lipsync.core.media.video_reader import VideoFrame

log = logging.getLogger("lipsync")

AudioMode = Literal["replace", "keep", "both", "none"]
AUDIO_MODES: tuple[str, ...] = ("replace", "keep", "both", "none")

# Container tags that describe the old file's encoding and must not be carried over.
_TECHNICAL_TAGS = {"encoder", "major_brand", "minor_version", "compatible_brands", "duration"}
_STREAM_TAGS_KEPT = ("language", "title", "timecode", "handler_name")
#: Each encoder's own tunes (x264 --fullhelp, x265 --help); other codecs take none. Besides
#: these, "none" (no tune) and "auto" (see :attr:`EncodeOptions.encoder_tune`) are valid.
ENCODER_TUNES: dict[str, tuple[str, ...]] = {
    "libx264": ("film", "animation", "grain", "stillimage", "psnr", "ssim", "fastdecode",
                "zerolatency"),
    "libx265": ("animation", "grain", "psnr", "ssim", "fastdecode", "zerolatency", "vmaf"),
}  # fmt: skip


DNXHR_MIN_SIZE = (256, 120)  # px; libavcodec's DNxHR encoder takes nothing smaller


def check_picture_size(codec: str, width: int, height: int) -> None:
    """Refuse, in one sentence, a picture the encoder ``codec`` cannot take (DNxHR: at least
    :data:`DNXHR_MIN_SIZE`)."""
    min_w, min_h = DNXHR_MIN_SIZE
    if codec == "dnxhd" and (width < min_w or height < min_h):
        raise InputError(
            f"DNxHR takes pictures of at least {min_w}x{min_h} and this video is "
            f"{width}x{height}: use --codec prores or h264."
        )


def valid_tunes(codec: str) -> tuple[str, ...]:
    """Every ``tune`` :class:`EncodeOptions` takes for ``codec``: "auto", "none", its own."""
    return ("auto", "none", *ENCODER_TUNES.get(codec, ()))


@dataclass(frozen=True)
class EncodeOptions:
    """How to encode. ``pix_fmt`` "auto" keeps the source's chroma layout and bit depth where
    libx264 supports them; ``tune`` is one of the codec's :data:`ENCODER_TUNES`, "none" or
    "auto" (:attr:`encoder_tune`); ``threads`` 0 lets the encoder choose."""

    codec: str = C.DEFAULT_VIDEO_CODEC
    crf: int = C.DEFAULT_CRF
    preset: str = C.DEFAULT_PRESET
    tune: str = "auto"
    pix_fmt: str = "auto"
    audio_mode: AudioMode = "replace"
    audio_bitrate: int = C.DEFAULT_AUDIO_BITRATE
    provenance: bool = True
    threads: int = 0

    def __post_init__(self) -> None:
        if self.audio_mode not in AUDIO_MODES:
            raise InputError(
                f"Unknown audio mode '{self.audio_mode}': use one of {', '.join(AUDIO_MODES)}."
            )
        if not 0 <= self.crf <= 51:
            raise InputError(f"CRF {self.crf} is out of range: use 0 (lossless) to 51.")
        tunes = valid_tunes(self.codec)
        if self.tune not in tunes:
            raise InputError(
                f"Unknown --tune '{self.tune}' for {self.codec}: use one of {', '.join(tunes)}."
            )

    @property
    def encoder_tune(self) -> str:
        """The tune the encoder is given: ``tune``, where "auto" is :data:`C.DEFAULT_TUNE`
        ("film": x264 smooths the redrawn mouth less, bench/encode_sharpness.py) when the codec
        has it and the encode is not lossless (CRF 0, left exactly as without a tune), else
        "none"."""
        if self.tune != "auto":
            return self.tune
        lossy = self.crf > 0 and C.DEFAULT_TUNE in ENCODER_TUNES.get(self.codec, ())
        return C.DEFAULT_TUNE if lossy else "none"


@dataclass(frozen=True)
class WriteResult:
    """What was written: frame count, audio tracks, and the seconds of new audio past the
    video's end that were dropped (``audio_cut``). ``video_end`` is in seconds."""

    path: Path
    frames: int
    audio_tracks: int
    video_end: float
    audio_cut: float = 0.0
    warnings: tuple[str, ...] = field(default=())


class VideoWriter:
    """Encode frames to ``path`` with the timing, size and colour of ``video``.

    ``audio`` is the new audio: a file path (any file with sound) or ``(samples, rate)`` with
    samples ``float32 (n,)`` or ``(n, channels)``; its time 0 is the first video frame's time.
    ``original`` is the file whose audio ``keep``/``both`` copy and whose tags are carried over.
    ``inputs`` are paths the output must never overwrite (the audio and original are added).
    """

    def __init__(
        self,
        path: PathLike,
        video: VideoStreamInfo,
        *,
        options: EncodeOptions | None = None,
        audio: PathLike | tuple[np.ndarray, int] | None = None,
        original: PathLike | None = None,
        inputs: Sequence[PathLike] = (),
    ) -> None:
        self.options = options or EncodeOptions()
        self.video = video
        self.dest = Path(path)
        mode = self.options.audio_mode
        if mode in ("replace", "both") and audio is None:
            raise InputError(f"Audio mode '{mode}' needs new audio, and none was given.")
        if mode in ("keep", "both") and original is None:
            raise InputError(f"Audio mode '{mode}' needs the original file, and none was given.")
        protected = [*inputs, *([original] if original is not None else [])]
        if isinstance(audio, str | Path):
            protected.append(audio)
        self._audio_in = audio if mode in ("replace", "both") else None
        self._original = Path(original) if original is not None else None
        self._stack = ExitStack()
        self._closed = False
        #: Set once the file is complete and in place.
        self.result: WriteResult | None = None
        self._tmp = self._stack.enter_context(atomic_output(self.dest, protected))
        try:
            self._open()
        except BaseException as e:
            self._stack.__exit__(type(e), e, e.__traceback__)
            raise

    # --- set-up --------------------------------------------------------------------------------

    def _open(self) -> None:
        opts = self.options
        v = self.video
        options = {"movflags": "+use_metadata_tags"} if self._is_mov() else {}
        try:
            self._out = self._stack.enter_context(
                av.open(str(self._tmp), mode="w", format=self._format_name(), options=options)
            )
        except (av.error.FFmpegError, ValueError) as e:
            raise OutputError(
                f"Cannot write a video file named '{self.dest}' ({e}): "
                "use a video extension such as .mp4, .mov or .mkv."
            ) from e
        self._original_container = None
        if self._original is not None:
            self._original_container = self._stack.enter_context(
                open_input(self._original, "original")
            )
        self._write_tags()

        pix_fmt = encoder_pix_fmt(
            v.pix_fmt, v.bit_depth, v.coded_width, v.coded_height, opts.pix_fmt, opts.codec
        )
        rate = v.fps if v.fps else C.DEFAULT_FPS
        check_picture_size(opts.codec, v.coded_width, v.coded_height)
        try:
            stream = self._out.add_stream(opts.codec, rate=rate)
        except (av.error.FFmpegError, ValueError) as e:
            raise InputError(f"The video codec '{opts.codec}' is not available ({e}).") from e
        stream.width = v.coded_width
        stream.height = v.coded_height
        stream.pix_fmt = pix_fmt
        stream.time_base = v.time_base
        cc = stream.codec_context
        cc.time_base = v.time_base
        cc.colorspace = v.colorspace
        cc.color_range = v.color_range
        cc.color_primaries = v.color_primaries
        cc.color_trc = v.color_trc
        cc.thread_type = "AUTO"
        cc.thread_count = opts.threads
        if v.sample_aspect != 1:  # anamorphic pixels: H.264's VUI, mov's and mp4's pasp
            cc.sample_aspect_ratio = v.sample_aspect
        if opts.codec.startswith("libx26"):
            # CRF 0 is lossless only at 8 bits (deeper, x264 shifts its scale): QP 0 always is
            quality = {"qp": "0"} if opts.crf == 0 else {"crf": str(opts.crf)}
            tune = opts.encoder_tune
            cc.options = {**quality, "preset": opts.preset,
                          **({"tune": tune} if tune != "none" else {}),
                          **_x264_params(opts.codec, v)}  # fmt: skip
            log.debug("video: %s %s preset %s tune %s", opts.codec, quality, opts.preset, tune)
        elif opts.codec == "prores_ks":  # HQ, or 4444 for 4:4:4; Apple's vendor id for NLEs
            cc.options = {"profile": "4" if "444" in pix_fmt else "3", "vendor": "apl0"}
        elif opts.codec == "dnxhd":  # DNxHR HQ (8-bit), HQX (10-bit) or 444, as pix_fmt says
            deep = "dnxhr_hqx" if "10" in pix_fmt else "dnxhr_hq"
            cc.options = {"profile": "dnxhr_444" if "444" in pix_fmt else deep}
        elif opts.codec == "ffv1":  # version 3, every frame a key frame, checksummed slices
            cc.options = {"level": "3", "g": "1", "slicecrc": "1"}
        if v.interlaced:  # the container's field order (mov's fiel atom, Matroska's FieldOrder)
            cc.field_order = next(k for k, name in FIELD_ORDERS.items() if name == v.field_order)
        if v.rotation:
            stream.set_display_rotation(v.rotation)
        for key in _STREAM_TAGS_KEPT:
            if key in v.metadata and key != "handler_name":
                stream.metadata[key] = v.metadata[key]
        self._vstream = stream
        self._pix_fmt = pix_fmt
        self._start_time = float((v.start_pts or 0) * v.time_base)
        self._frames = 0
        self._last_pts: int | None = None
        self._last_time = self._start_time
        self._step = float(1 / rate)

        self._feeds: list[_AudioFeed] = []
        if self._audio_in is not None:
            self._feeds.append(self._new_audio_feed(self._audio_in))
        if self.options.audio_mode in ("keep", "both"):
            self._feeds.extend(self._original_audio_feeds())
        if len(self._feeds) > 1:
            self._feeds[0].stream.disposition = av.stream.Disposition.default

    def _is_mov(self) -> bool:
        return self.dest.suffix.lower() in (".mp4", ".mov", ".m4v", ".3gp")

    def _format_name(self) -> str | None:
        try:
            return av.format.ContainerFormat(self.dest.suffix.lstrip(".").lower(), "w").name
        except (ValueError, av.error.FFmpegError):
            return None  # let libavformat guess from the name

    def _write_tags(self) -> None:
        meta = self._out.metadata
        if self._original_container is not None:
            for key, value in self._original_container.metadata.items():
                if key.lower() not in _TECHNICAL_TAGS:
                    meta[key] = value
        if self.options.provenance:
            version = lipsync.__version__
            meta["comment"] = C.PROVENANCE_COMMENT.format(version=version)
            meta[C.PROVENANCE_KEY] = "lip-synced"
            meta[C.PROVENANCE_TOOL_KEY] = version

    def _new_audio_feed(self, audio: PathLike | tuple[np.ndarray, int]) -> _AudioFeed:
        if isinstance(audio, tuple):
            samples, rate = audio
            data = np.asarray(samples, dtype=np.float32)
            data = data[None, :] if data.ndim == 1 else np.ascontiguousarray(data.T)
            source_rate, channels = int(rate), data.shape[0]
            enc_rate = _aac_rate(source_rate)
            if enc_rate != source_rate:
                data = _resample(data, source_rate, enc_rate)
            blocks: Iterator[np.ndarray] = _blocks(data, C.AUDIO_CHUNK_SAMPLES)
        else:
            with open_input(audio, "audio") as probe_c:
                if not probe_c.streams.audio:
                    raise NoStreamError(
                        f"The audio file '{audio}' has no audio stream: give a file with sound."
                    )
                acc = probe_c.streams.audio[0].codec_context
                source_rate, channels = acc.sample_rate, min(acc.channels or 1, 2)
            enc_rate = _aac_rate(source_rate)
            blocks = iter_audio(audio, enc_rate, channels, chunk=C.AUDIO_CHUNK_SAMPLES)
        stream = self._out.add_stream(C.DEFAULT_AUDIO_CODEC, rate=enc_rate)
        stream.layout = "mono" if channels == 1 else "stereo"
        stream.bit_rate = self.options.audio_bitrate
        stream.metadata["handler_name"] = "Dub audio (lipsync)"
        return _EncodedFeed(stream, blocks, enc_rate, self._start_time, counts_cut=True)

    def _original_audio_feeds(self) -> list[_AudioFeed]:
        """Every audio stream of the original, in its order (a master may hold several: a mix,
        a 5.1, music and effects), each with its language and title."""
        container = self._original_container
        assert container is not None
        count = len(container.streams.audio)
        if not count:
            raise NoStreamError(
                f"The original '{self._original}' has no audio to keep: use --audio-mode replace."
            )
        assert self._original is not None
        feeds = [self._original_audio_feed(container, 0)]
        for k in range(1, count):  # each copied stream reads the file on its own demuxer
            own = self._stack.enter_context(open_input(self._original, "original"))
            feeds.append(self._original_audio_feed(own, k))
        return feeds

    def _original_audio_feed(self, container: av.container.InputContainer, k: int) -> _AudioFeed:
        """The original's ``k``-th audio stream, copied packet for packet, or re-encoded to
        AAC where the output's container cannot hold its codec."""
        src = container.streams.audio[k]
        name = "Original audio" if k == 0 else f"Original audio {k + 1}"
        codec = src.codec_context.name
        if codec in self._out.supported_codecs:
            stream = self._out.add_stream_from_template(src)
            _keep_tags(src, stream, name)
            return _CopiedFeed(stream, container, src)
        log.info("original audio codec %s cannot go into %s: re-encoding", codec, self.dest.suffix)
        rate = _aac_rate(src.codec_context.sample_rate)
        channels = min(src.codec_context.channels or 1, 2)
        assert self._original is not None
        blocks = iter_audio(
            self._original, rate, channels, stream_index=k, chunk=C.AUDIO_CHUNK_SAMPLES
        )
        stream = self._out.add_stream(C.DEFAULT_AUDIO_CODEC, rate=rate)
        stream.layout = "mono" if channels == 1 else "stereo"
        stream.bit_rate = self.options.audio_bitrate
        _keep_tags(src, stream, name)
        start = float(src.start_time * src.time_base) if src.start_time is not None else 0.0
        return _EncodedFeed(stream, blocks, rate, start, counts_cut=False)

    # --- writing -------------------------------------------------------------------------------

    def write(self, frame: VideoFrame | np.ndarray, pts: int | None = None) -> None:
        """Encode one upright ``uint8 (H, W, 3)`` RGB frame at ``pts`` (in the input's time
        base). A :class:`VideoFrame` brings its own pts; frames must come in order."""
        if isinstance(frame, VideoFrame):
            image, pts = frame.image, frame.pts
        else:
            image = frame
        v = self.video
        if image.shape != (v.height, v.width, 3) or image.dtype != np.uint8:
            raise ProcessingError(
                f"Frame {self._frames} is {image.dtype} {image.shape}, but the output needs "
                f"uint8 ({v.height}, {v.width}, 3)."
            )
        pts = self._next_pts(pts)
        vf = rgb_to_frame(image, v, self._pix_fmt)
        self._encode(vf, pts)

    def write_decoded(self, frame: av.VideoFrame, pts: int | None) -> None:
        """Encode a frame in the coded orientation (a decoded frame passed through, or a
        :class:`~lipsync.core.media.patch.PatchFrame`'s ``to_av()``). In the encoder's pixel
        format its pixels reach the encoder as they are; in another one (a depth or chroma
        layout the codec cannot hold, 4:2:0 of an odd size) it is converted as ffmpeg's own
        transcode converts it (:func:`transcode_frame`)."""
        if frame.width != self.video.coded_width or frame.height != self.video.coded_height:
            raise ProcessingError(
                f"Frame {self._frames} is {frame.width}x{frame.height}, but the output is "
                f"{self.video.coded_width}x{self.video.coded_height}."
            )
        if frame.format.name != self._pix_fmt:
            frame = transcode_frame(frame, self.video, self._pix_fmt)
        self._encode(frame, self._next_pts(pts))

    def _next_pts(self, pts: int | None) -> int:
        """``pts``, or the regular next one when it is None; never at or before the last."""
        v = self.video
        if pts is None:
            pts = round((self._frames * self._step + self._start_time) / v.time_base)
        if self._last_pts is not None and pts <= self._last_pts:
            log.warning("frame %d: pts %d not after %d; nudged", self._frames, pts, self._last_pts)
            pts = self._last_pts + 1
        return pts

    @property
    def pix_fmt(self) -> str:
        """The pixel format the encoder takes."""
        return self._pix_fmt

    def _encode(self, vf: av.VideoFrame, pts: int) -> None:
        v = self.video
        vf.pts = pts
        vf.time_base = v.time_base
        self._out.mux(self._vstream.encode(vf))
        self._frames += 1
        self._last_pts = pts
        self._last_time = float(pts * v.time_base)
        self._pump_audio(self._last_time)

    def _pump_audio(self, until: float) -> None:
        for feed in self._feeds:
            feed.write_until(self._out, until)

    def close(self) -> WriteResult:
        """Flush encoders, finish the file and rename it into place."""
        self.__exit__(None, None, None)
        assert self.result is not None
        return self.result

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._closed:
            return
        self._closed = True
        if exc_type is None:
            try:
                self._finish()
            except BaseException as e:
                self._stack.__exit__(type(e), e, e.__traceback__)
                raise
        self._stack.__exit__(exc_type, exc, tb)

    def _finish(self) -> None:
        if self._frames == 0:
            raise ProcessingError(f"No video frames were written to '{self.dest}'.")
        self._out.mux(self._vstream.encode(None))
        end = self._last_time + self._step
        cut = 0.0
        for feed in self._feeds:
            feed.write_until(self._out, end, final=True)
            cut += feed.cut_seconds
        self.result = WriteResult(
            path=self.dest,
            frames=self._frames,
            audio_tracks=len(self._feeds),
            video_end=end,
            audio_cut=cut,
        )


# --- audio feeds ------------------------------------------------------------------------------


class _AudioFeed:
    stream: av.stream.Stream
    cut_seconds: float = 0.0

    def write_until(self, out: av.container.OutputContainer, until: float, final=False) -> None:
        raise NotImplementedError


class _EncodedFeed(_AudioFeed):
    """Numpy blocks ``float32 (channels, n)`` encoded to AAC, starting at ``start`` seconds."""

    def __init__(self, stream, blocks: Iterator[np.ndarray], rate: int, start: float, counts_cut):
        self.stream = stream
        self._blocks = blocks
        self._rate = rate
        self._offset = round(start * rate)  # pts of the next sample, in 1/rate units
        self._written = 0  # samples written
        self._counts_cut = counts_cut
        self._exhausted = False
        self.cut_seconds = 0.0

    def write_until(self, out, until: float, final: bool = False) -> None:
        limit = round(until * self._rate) - self._offset  # samples allowed in total
        while not self._exhausted and self._written < limit:
            block = next(self._blocks, None)
            if block is None:
                self._exhausted = True
                break
            room = limit - self._written
            if final and block.shape[1] > room:
                if self._counts_cut:
                    self.cut_seconds += (block.shape[1] - room) / self._rate
                block = block[:, :room]
            self._encode(out, block)
        if final:
            if not self._exhausted and self._counts_cut:
                for rest in self._blocks:
                    self.cut_seconds += rest.shape[1] / self._rate
            out.mux(self.stream.encode(None))

    def _encode(self, out, block: np.ndarray) -> None:
        if block.shape[1] == 0:
            return
        layout = "mono" if block.shape[0] == 1 else "stereo"
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(block, dtype=np.float32), format="fltp", layout=layout
        )
        frame.sample_rate = self._rate
        frame.pts = self._offset + self._written
        frame.time_base = Fraction(1, self._rate)
        out.mux(self.stream.encode(frame))
        self._written += block.shape[1]


class _CopiedFeed(_AudioFeed):
    """The original audio stream's packets, remuxed unchanged, until the video's end."""

    def __init__(self, stream, container, source) -> None:
        self.stream = stream
        self._source = source
        self._packets = container.demux(source)
        self._pending: av.Packet | None = None
        self._done = False

    def write_until(self, out, until: float, final: bool = False) -> None:
        while not self._done:
            packet = self._pending or next(self._packets, None)
            self._pending = None
            if packet is None:
                self._done = True
                break
            if packet.dts is None and packet.pts is None:
                continue  # the demuxer's flush packet
            ts = packet.pts if packet.pts is not None else packet.dts
            t = float(ts * packet.time_base)
            if t >= until:
                if final:
                    self._done = True
                else:
                    self._pending = packet
                break
            packet.stream = self.stream
            out.mux(packet)


def _keep_tags(src, stream, name: str) -> None:
    """An original audio stream's language and title on its copy; ``name`` as the handler
    (what players list the track as when it has no title)."""
    for key in ("language", "title"):
        if key in src.metadata:
            stream.metadata[key] = src.metadata[key]
    stream.metadata["handler_name"] = name


def _x264_params(codec: str, video: VideoStreamInfo) -> dict[str, str]:
    """x264's own parameters for ``video``: an interlaced stream's frames coded as the two
    fields they hold, in its field order (other encoders code the frames whole, flagged only),
    and HDR10's mastering display and light levels as the stream's SEI messages."""
    if codec != "libx264":
        return {}
    params = []
    if video.interlaced:
        params.append("tff=1" if video.top_field_first else "bff=1")
    if video.hdr is not None:
        params.extend(video.hdr.x264_params())
    return {"x264-params": ":".join(params)} if params else {}


def transcode_frame(frame: av.VideoFrame, info: VideoStreamInfo, pix_fmt: str) -> av.VideoFrame:
    """``frame`` (of the stream ``info``) in ``pix_fmt``, converted the way the ffmpeg program
    converts a decoded picture for an encoder that cannot take its format: swscale with
    ffmpeg's default bicubic scaler, the stream's matrix and range where RGB meets YUV."""
    spec = colour_spec(info.colorspace, info.color_range, info.pix_fmt)
    source_rgb = frame.format.is_rgb
    target_rgb = av.VideoFormat(pix_fmt).is_rgb
    options: dict[str, str] = {}
    if source_rgb and not target_rgb:
        options = {"dst_colorspace": spec.matrix, "dst_color_range": spec.range}
    elif target_rgb and not source_rgb:
        options = {"src_colorspace": spec.matrix, "src_color_range": spec.range}
    return reformatter("for_encoder").reformat(
        frame, format=pix_fmt, interpolation="BICUBIC", threads=EXACT_THREADS, **options
    )


def _aac_rate(rate: int) -> int:
    """The AAC sample rate to encode ``rate`` Hz audio at (AAC tops out at 96 kHz)."""
    supported = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
    if rate in supported:
        return rate
    higher = [r for r in supported if r >= rate]
    return min(higher) if higher else C.AAC_MAX_SAMPLE_RATE


def _resample(data: np.ndarray, src_rate: int, dst_rate: int) -> np.ndarray:
    """Band-limited resampling of ``float32 (channels, n)`` from ``src_rate`` to ``dst_rate``."""
    from scipy.signal import resample_poly

    g = np.gcd(src_rate, dst_rate)
    return resample_poly(data, dst_rate // g, src_rate // g, axis=1).astype(np.float32)


def _blocks(data: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for i in range(0, data.shape[1], size):
        yield data[:, i : i + size]
