"""Changing a small region of a decoded frame without touching the rest.

For 8-bit 4:2:0 video shown as coded (no rotation), a frame is kept in its decoded YUV planes;
only a region is converted to RGB for the renderer, and only the pixels the renderer changed
are converted back. Every other pixel reaches the encoder exactly as decoded, and the cost of
a full-frame RGB round trip is avoided.
"""

from __future__ import annotations

import av
import cv2
import numpy as np

from lipsync.core.media.colour import colour_spec
from lipsync.core.media.probe import VideoStreamInfo

PATCH_PIX_FMTS = ("yuv420p", "yuvj420p")
REGION_STEP = 32  # px; region sizes are rounded up to this, so converters are reused


# swscale contexts, reused while the region size and colour settings stay the same
_TO_RGB = av.video.reformatter.VideoReformatter()
_TO_YUV = av.video.reformatter.VideoReformatter()


def patchable(info: VideoStreamInfo) -> bool:
    """Whether frames of this stream can be changed region by region."""
    return (
        info.pix_fmt in PATCH_PIX_FMTS
        and info.rotation % 360 == 0
        and info.coded_width % 2 == 0
        and info.coded_height % 2 == 0
    )


def even_region(
    x0: float, y0: float, x1: float, y1: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """The region (x0, y0, x1, y1) in px, clipped to the frame and widened to even
    coordinates (whole 2x2 chroma blocks)."""
    ax0 = max(0, int(np.floor(x0)) // 2 * 2)
    ay0 = max(0, int(np.floor(y0)) // 2 * 2)
    ax1 = min(width, (int(np.ceil(x1)) + 1) // 2 * 2)
    ay1 = min(height, (int(np.ceil(y1)) + 1) // 2 * 2)
    return ax0, ay0, max(ax0, ax1), max(ay0, ay1)


def stable_region(
    x0: float, y0: float, x1: float, y1: float, width: int, height: int
) -> tuple[int, int, int, int]:
    """:func:`even_region` with its size rounded up to :data:`REGION_STEP` px (grown about
    its centre, shifted back inside the frame), so consecutive frames share one size and the
    colour converters are built once."""
    w = min(width, -(-int(np.ceil(x1 - x0)) // REGION_STEP) * REGION_STEP)
    h = min(height, -(-int(np.ceil(y1 - y0)) // REGION_STEP) * REGION_STEP)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    left = int(min(max(0, round(cx - w / 2)), width - w)) // 2 * 2
    top = int(min(max(0, round(cy - h / 2)), height - h)) // 2 * 2
    return even_region(left, top, left + w, top + h, width, height)


class PatchFrame:
    """A decoded 4:2:0 frame whose regions can be read as RGB and written back.

    ``planes`` are ``uint8`` Y ``(H, W)``, U and V ``(H/2, W/2)``, copied from the decoder.
    """

    def __init__(self, frame: av.VideoFrame, info: VideoStreamInfo) -> None:
        self.info = info
        self.pts = frame.pts
        self._spec = colour_spec(info.colorspace, info.color_range, info.pix_fmt)
        # The planes exactly as decoded (yuvj420p is full-range 4:2:0: the same layout)
        packed = frame.to_ndarray(format=frame.format.name)
        self.y, self.u, self.v = _planes(packed, frame.width, frame.height)
        self._packed = packed
        self.changed = False

    def rgb(self, region: tuple[int, int, int, int]) -> np.ndarray:
        """The even-aligned ``region`` as ``uint8 (h, w, 3)`` RGB."""
        x0, y0, x1, y1 = region
        yuv = _pack(
            self.y[y0:y1, x0:x1], self.u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2],
            self.v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2],
        )  # fmt: skip
        small = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        return _TO_RGB.reformat(
            small,
            format="rgb24",
            src_colorspace=self._spec.matrix,
            src_color_range=self._spec.range,
            dst_color_range="JPEG",
        ).to_ndarray()

    def put_rgb(
        self, region: tuple[int, int, int, int], before: np.ndarray, after: np.ndarray
    ) -> None:
        """Write ``after`` (RGB of ``region``) back where it differs from ``before``; luma per
        changed pixel, chroma per 2x2 block with any changed pixel."""
        diff = cv2.absdiff(after, before)
        changed = (diff[..., 0] | diff[..., 1] | diff[..., 2]) != 0
        if not changed.any():
            return
        x0, y0, x1, y1 = region
        small = av.VideoFrame.from_ndarray(np.ascontiguousarray(after), format="rgb24")
        yuv = _TO_YUV.reformat(
            small,
            format="yuv420p",
            dst_colorspace=self._spec.matrix,
            interpolation="AREA",
            src_color_range="JPEG",
            dst_color_range=self._spec.range,
        ).to_ndarray()
        h, w = after.shape[:2]
        y, u, v = _planes(yuv, w, h)
        block = (
            changed[0::2, 0::2] | changed[1::2, 0::2] | changed[0::2, 1::2] | changed[1::2, 1::2]
        )
        np.copyto(self.y[y0:y1, x0:x1], y, where=changed)
        np.copyto(self.u[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2], u, where=block)
        np.copyto(self.v[y0 // 2 : y1 // 2, x0 // 2 : x1 // 2], v, where=block)
        self.changed = True

    def to_av(self) -> av.VideoFrame:
        """The (possibly changed) frame for the encoder, in the stream's own pixel format."""
        return av.VideoFrame.from_ndarray(self._packed, format=self.info.pix_fmt)


def _planes(packed: np.ndarray, width: int, height: int) -> tuple[np.ndarray, ...]:
    """Views of Y ``(H, W)``, U and V ``(H/2, W/2)`` in PyAV's packed 4:2:0 array."""
    flat = packed.reshape(-1)
    luma, chroma = width * height, (width // 2) * (height // 2)
    return (
        flat[:luma].reshape(height, width),
        flat[luma : luma + chroma].reshape(height // 2, width // 2),
        flat[luma + chroma : luma + 2 * chroma].reshape(height // 2, width // 2),
    )


def _pack(y: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.concatenate([y.reshape(-1), u.reshape(-1), v.reshape(-1)]).reshape(-1, y.shape[1])
