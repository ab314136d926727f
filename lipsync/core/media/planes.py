"""The planes of a decoded picture as numpy arrays, and back (pure; no colour conversion).

A "planar" pixel format keeps each component in a plane of its own, ``uint8`` for 8-bit
samples and native ``uint16`` for deeper ones (yuv420p, yuv422p10le, yuv444p12le, gray10le,
gbrp12le, yuva420p ...); rgb24 and bgr24 are one plane of ``(H, W, 3)`` samples. Chroma planes
of subsampled formats are ``ceil(W / 2**sx)`` x ``ceil(H / 2**sy)``, so odd sizes work.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import av
import numpy as np

PACKED_RGB = ("rgb24", "bgr24")


@dataclass(frozen=True)
class PlaneLayout:
    """How a pixel format lays out its planes: per plane ``(sx, sy)`` subsampling shifts,
    the sample dtype, samples per pixel (3 for packed RGB, else 1) and which plane, if any,
    is alpha."""

    pix_fmt: str
    shifts: tuple[tuple[int, int], ...]
    dtype: np.dtype
    samples: int
    alpha: int | None

    def plane_shape(self, plane: int, width: int, height: int) -> tuple[int, int]:
        """(rows, samples per row / samples per pixel) of ``plane`` for a picture size."""
        sx, sy = self.shifts[plane]
        return -(-height >> sy), -(-width >> sx)

    @property
    def block(self) -> tuple[int, int]:
        """(x, y) px of the largest chroma block: regions aligned to it keep chroma whole."""
        return 1 << max(s[0] for s in self.shifts), 1 << max(s[1] for s in self.shifts)


@cache
def plane_layout(pix_fmt: str) -> PlaneLayout | None:
    """The layout of ``pix_fmt``, or None when its planes are not one component each
    (semi-planar nv12, packed YUV, palettes, bitstreams, big-endian, floats)."""
    if pix_fmt in PACKED_RGB:
        return PlaneLayout(pix_fmt, ((0, 0),), np.dtype(np.uint8), 3, None)
    try:
        fmt = av.VideoFormat(pix_fmt, 64, 64)
    except (ValueError, av.error.FFmpegError):
        return None
    comps = fmt.components
    if (
        fmt.is_big_endian
        or fmt.is_bit_stream
        or fmt.has_palette
        or fmt.is_bayer
        or not comps
        or len({c.plane for c in comps}) != len(comps)
        or any(c.bits > 16 or c.bits < 8 for c in comps)  # floats are 32 bits
    ):
        return None
    bits = {c.bits for c in comps}
    if len(bits) != 1:
        return None
    depth = bits.pop()
    # bytes per sample must be whole: 8-bit in one byte, deeper in two (no packed 10-bit)
    dtype = np.dtype(np.uint8) if depth == 8 else np.dtype("<u2")
    planes = sorted(comps, key=lambda c: c.plane)
    if [c.plane for c in planes] != list(range(len(planes))):
        return None
    shifts = []
    for c in planes:
        if c.is_chroma:
            shifts.append((_log2(64, fmt.chroma_width()), _log2(64, fmt.chroma_height())))
        else:
            shifts.append((0, 0))
    alpha = next((c.plane for c in planes if c.is_alpha), None)
    layout = PlaneLayout(pix_fmt, tuple(shifts), dtype, 1, alpha)
    if not _round_trips(layout):
        return None
    return layout


def _log2(full: int, part: int) -> int:
    return 0 if part >= full else (full // max(part, 1)).bit_length() - 1


def _round_trips(layout: PlaneLayout) -> bool:
    """Whether a 5x3 picture's planes have the sizes this layout says (guards odd formats)."""
    frame = av.VideoFrame(5, 3, layout.pix_fmt)
    itemsize = layout.dtype.itemsize * layout.samples
    for k, plane in enumerate(frame.planes):
        if k >= len(layout.shifts):
            return False
        rows, cols = layout.plane_shape(k, 5, 3)
        if plane.height != rows or plane.line_size < cols * itemsize:
            return False
    return len(frame.planes) == len(layout.shifts)


def read_planes(frame: av.VideoFrame, layout: PlaneLayout) -> list[np.ndarray]:
    """Copies of the planes of ``frame`` (in ``layout``), without row padding: each
    ``(rows, cols)`` (``(rows, cols, 3)`` for packed RGB) of ``layout.dtype``."""
    return [view.copy() for view in plane_views(frame, layout)]


def plane_views(frame: av.VideoFrame, layout: PlaneLayout) -> list[np.ndarray]:
    """The planes of ``frame`` as :func:`read_planes` gives them, but views of the frame's
    own memory (rows strided over its padding): writing into them changes the frame."""
    out = []
    itemsize = layout.dtype.itemsize
    for k, plane in enumerate(frame.planes):
        rows, cols = layout.plane_shape(k, frame.width, frame.height)
        raw = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)[:rows]
        data = raw[:, : cols * itemsize * layout.samples].view(layout.dtype)
        out.append(data.reshape(rows, cols, 3) if layout.samples == 3 else data)
    return out


def frame_from_planes(
    planes: list[np.ndarray], width: int, height: int, layout: PlaneLayout
) -> av.VideoFrame:
    """A new ``av.VideoFrame`` of ``width`` x ``height`` in ``layout.pix_fmt`` holding
    ``planes`` (as :func:`read_planes` gives them). It carries no colour tags: for a changed
    copy of a decoded frame use :func:`write_planes`, which keeps them."""
    frame = av.VideoFrame(width, height, layout.pix_fmt)
    write_planes(frame, planes, layout)
    return frame


def write_planes(frame: av.VideoFrame, planes: list[np.ndarray], layout: PlaneLayout) -> None:
    """Write ``planes`` (as :func:`read_planes` gives them) into ``frame``'s own memory, which
    must be writable (``frame.make_writable()``); its row padding and every property (colour
    tags, chroma siting, timestamps) stay as they are."""
    for plane, data in zip(frame.planes, planes, strict=True):
        rows = data.shape[0]
        row = np.ascontiguousarray(data).view(np.uint8).reshape(rows, -1)
        if plane.line_size == row.shape[1] and plane.buffer_size == row.size:
            plane.update(row)
            continue
        padded = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size).copy()
        padded[:rows, : row.shape[1]] = row
        plane.update(padded)
