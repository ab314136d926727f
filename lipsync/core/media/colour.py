"""Colour handling between the coded YUV picture and the engine's RGB frames (pure).

Frames are turned into RGB with the stream's own matrix and range, and turned back with the
same ones, so untouched pixels survive a round trip; the output stream carries the input's
colour tags. Untagged streams are treated as BT.601, as ffmpeg itself converts them (most
untagged files were made by ffmpeg-based tools, which encode RGB with BT.601); the same matrix
is used both ways, so the choice only matters for out-of-gamut colours.
"""

from __future__ import annotations

from dataclasses import dataclass

from lipsync.core.errors import InputError

# FFmpeg's AVColorSpace / AVColorRange values (stable across versions).
CS_BT709 = 1
CS_UNSPECIFIED = 2
CS_FCC = 4
CS_BT470BG = 5
CS_SMPTE170M = 6
CS_SMPTE240M = 7
CS_BT2020_NCL = 9
RANGE_UNSPECIFIED, RANGE_MPEG, RANGE_JPEG = 0, 1, 2

# swscale knows these matrices; PyAV names them by its Colorspace enum values.
_SWS_MATRIX = {
    CS_BT709: "ITU709",
    CS_FCC: "FCC",
    CS_BT470BG: "ITU601",
    CS_SMPTE170M: "ITU601",
    CS_SMPTE240M: "SMPTE240M",
    CS_BT2020_NCL: "BT2020",
}

#: Pixel formats libx264 encodes; anything else is mapped to the nearest of these.
X264_PIX_FMTS = (
    "yuv420p",
    "yuvj420p",
    "yuv422p",
    "yuvj422p",
    "yuv444p",
    "yuvj444p",
    "yuv420p10le",
    "yuv422p10le",
    "yuv444p10le",
    "gray",
    "gray10le",
)


@dataclass(frozen=True)
class ColourSpec:
    """The swscale matrix name and range ("MPEG" limited / "JPEG" full) for a picture."""

    matrix: str
    range: str


def colour_spec(colorspace: int, color_range: int, pix_fmt: str = "") -> ColourSpec:
    """Matrix and range to convert a picture with these colour tags."""
    matrix = _SWS_MATRIX.get(colorspace, "ITU601")
    full = color_range == RANGE_JPEG or pix_fmt.startswith("yuvj")
    return ColourSpec(matrix=matrix, range="JPEG" if full else "MPEG")


#: Pixel formats FFV1 encodes here: libavcodec's planar YUV and grey ones, 8 to 16 bits (12
#: bits included, which x264 has not), without alpha
FFV1_PIX_FMTS = tuple(
    [f"yuv{c}p{d}" for c in ("420", "422", "444") for d in ("", "9le", "10le", "12le",
                                                             "14le", "16le")]
    + ["yuv440p", "yuv440p10le", "yuv440p12le", "yuv411p", "yuv410p"]
    + ["gray", "gray9le", "gray10le", "gray12le", "gray14le", "gray16le"]
)  # fmt: skip


def encoder_pix_fmt(
    source_pix_fmt: str,
    bit_depth: int,
    width: int,
    height: int,
    requested: str = "auto",
    codec: str = "libx264",
) -> str:
    """The pixel format to encode a ``width`` x ``height`` picture with, by ``codec``.

    ``requested`` is used as given unless it is "auto"; then, for x264 and FFV1, the source's
    own layout when the encoder supports it, else the nearest supported one (chroma and depth
    kept); for ProRes (``prores_ks``), 10-bit 4:2:2 (422 HQ), or 4:4:4 (4444) for a 4:4:4 or
    RGB source; for DNxHR (``dnxhd``), 4:2:2 at 8 bits (HQ) or 10 (HQX) as the source's depth,
    or 10-bit 4:4:4 (444) for a 4:4:4 or RGB source. Subsampled chroma needs even sizes, so
    an odd-sized picture is encoded 4:4:4 rather than cropped.
    """
    odd = width % 2 or height % 2
    if requested != "auto":
        if odd and _subsampled(requested):
            raise InputError(
                f"The pixel format {requested} needs an even width and height, and the video "
                f"is {width}x{height}: use --pix-fmt auto or a 4:4:4 format."
            )
        return requested
    if codec in ("prores_ks", "dnxhd"):
        wide = "444" in source_pix_fmt or source_pix_fmt.startswith(("gbr", "rgb", "bgr"))
        if wide or odd:
            return "yuv444p10le"
        return "yuv422p" if codec == "dnxhd" and bit_depth <= 8 else "yuv422p10le"
    supported = FFV1_PIX_FMTS if codec == "ffv1" else X264_PIX_FMTS
    fmt = source_pix_fmt if source_pix_fmt in supported else _nearest(source_pix_fmt, bit_depth)
    if odd and _subsampled(fmt):
        fmt = fmt.replace("420", "444").replace("422", "444")
    return fmt


def _subsampled(pix_fmt: str) -> bool:
    return "420" in pix_fmt or "422" in pix_fmt or pix_fmt.startswith(("nv12", "nv16", "nv21"))


def _nearest(name: str, bit_depth: int) -> str:
    high = bit_depth > 8
    if name.startswith("gray"):
        return "gray10le" if high else "gray"
    chroma = "420"
    if "444" in name or name.startswith(("gbr", "rgb", "bgr")):
        chroma = "444"
    elif "422" in name:
        chroma = "422"
    return f"yuv{chroma}p10le" if high else f"yuv{chroma}p"
