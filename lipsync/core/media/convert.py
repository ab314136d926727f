"""Decoded frames to the engine's upright RGB and back, with the stream's own colour.

Both directions use the stream's matrix and range (:func:`~.colour.colour_spec`) and undo /
redo its display rotation, so an untouched picture survives the round trip: 8-bit 4:2:0 goes
through swscale's exact unscaled path; other layouts take chroma by sample replication on the
way in and box averaging on the way out, inverses of each other (swscale's bilinear upsampling
misplaces 10-bit 4:2:2 chroma).
"""

from __future__ import annotations

import threading

import av
import numpy as np

from lipsync.core.media.colour import colour_spec
from lipsync.core.media.orientation import to_coded, to_display
from lipsync.core.media.probe import VideoStreamInfo

#: swscale threads for conversions whose samples must be exact (regions of a patched frame,
#: frames converted for an encoder): with slice threads the bundled libswscale now and then
#: writes mid-grey into the first samples of a row at a slice boundary (seen converting
#: odd-sized 10-bit 4:2:0 to 4:4:4), so these run in one slice, deterministically.
EXACT_THREADS = 1

# swscale contexts, reused while the picture size and colour settings stay the same: setting
# one up costs more than converting a small frame (1.2 ms against 0.1 ms at 480x270). A
# reformatter holds one context, so each thread has its own (the filter tracks in one thread
# while another renders and puts regions back).
_LOCAL = threading.local()


def reformatter(name: str) -> av.video.reformatter.VideoReformatter:
    """This thread's reformatter for the conversion ``name`` (one per kind of conversion, so
    each keeps its context)."""
    found = getattr(_LOCAL, name, None)
    if found is None:
        found = av.video.reformatter.VideoReformatter()
        setattr(_LOCAL, name, found)
    return found


def frame_to_rgb(frame: av.VideoFrame, info: VideoStreamInfo) -> np.ndarray:
    """``frame`` (decoded, of the stream ``info``) as upright ``uint8 (H, W, 3)`` RGB.

    In one slice (:data:`EXACT_THREADS`): the same pixels as swscale's automatic slice
    threads give, for less CPU where it counts (the filter between two ffmpeg processes is
    bound by its CPU): at 480x270 the threads' hand-overs doubled the conversion's CPU
    (0.11 against 0.05 ms a frame), at 1080p they saved none (0.90 against 0.92 ms)."""
    rgb = reformatter("frame_to_rgb").reformat(frame, **to_rgb_options(info), threads=EXACT_THREADS)
    return to_display(rgb.to_ndarray(), info.rotation)


def to_rgb_options(info: VideoStreamInfo) -> dict[str, str]:
    """``VideoFrame.reformat`` keywords that turn a picture of the stream ``info`` into RGB
    (a whole frame here, a region in :mod:`~.patch`: the same pixels either way)."""
    spec = colour_spec(info.colorspace, info.color_range, info.pix_fmt)
    plain = info.bit_depth == 8 and "420" in info.pix_fmt
    return {
        "format": "rgb24",
        "src_colorspace": spec.matrix,
        "interpolation": "BILINEAR" if plain else "POINT",
        "src_color_range": spec.range,
        "dst_color_range": "JPEG",
    }


def from_rgb_options(info: VideoStreamInfo, pix_fmt: str) -> dict[str, str]:
    """``VideoFrame.reformat`` keywords that turn RGB back into ``pix_fmt`` with the stream's
    matrix and range (box-averaged chroma)."""
    spec = colour_spec(info.colorspace, info.color_range, info.pix_fmt)
    return {
        "format": pix_fmt,
        "dst_colorspace": spec.matrix,
        "interpolation": "AREA",
        "src_color_range": "JPEG",
        "dst_color_range": spec.range,
    }


def rgb_to_frame(image: np.ndarray, info: VideoStreamInfo, pix_fmt: str) -> av.VideoFrame:
    """Upright RGB ``uint8 (H, W, 3)`` as a coded frame of the stream ``info`` in ``pix_fmt``."""
    frame = av.VideoFrame.from_ndarray(to_coded(image, info.rotation), format="rgb24")
    return reformatter("rgb_to_frame").reformat(frame, **from_rgb_options(info, pix_fmt))
