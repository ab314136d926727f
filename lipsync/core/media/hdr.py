"""HDR10 static metadata: the mastering display's colour volume and the content light levels.

An HDR10 master (PQ transfer, BT.2020 primaries) says in its stream which display it was
graded on and how bright its brightest pixel and brightest frame are; players and TVs tone-map
by them, and delivery QC requires them. libavcodec hands them on decoded frames as side data
(:data:`MASTERING` / :data:`LIGHT`, from the bitstream's SEI or the container's boxes); this
module reads those C structs and writes them back as x264's parameters, which put them into
the H.264 stream as SEI messages. Pure: bytes in, values and strings out.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from fractions import Fraction

#: libavutil's AVMasteringDisplayMetadata: AVRational display_primaries[3][2] (R, G, B; x, y),
#: white_point[2], min_luminance, max_luminance (each num, den int32), then int has_primaries,
#: int has_luminance
_MASTERING = struct.Struct("=22i")
#: libavutil's AVContentLightMetadata: unsigned MaxCLL, MaxFALL (cd/m2)
_LIGHT = struct.Struct("=2I")
CHROMA_UNIT = 50000  # x264's (and H.264's SEI) units: chromaticity in 0.00002
LUMA_UNIT = 10000  # and luminance in 0.0001 cd/m2

XY = tuple[Fraction, Fraction]


@dataclass(frozen=True)
class MasteringDisplay:
    """The grading display: its primaries (x, y in CIE 1931), white point, and luminance
    range in cd/m2; a part the file does not give is None."""

    red: XY | None
    green: XY | None
    blue: XY | None
    white: XY | None
    min_luminance: Fraction | None
    max_luminance: Fraction | None


@dataclass(frozen=True)
class HdrMetadata:
    """A stream's HDR10 static metadata: ``mastering`` display, and ``max_cll`` / ``max_fall``
    (maximum content / frame-average light level, cd/m2; None where not given)."""

    mastering: MasteringDisplay | None = None
    max_cll: int | None = None
    max_fall: int | None = None

    def x264_params(self) -> list[str]:
        """x264's ``mastering-display`` and ``cll`` parameters holding this metadata (each
        ``key=value``, to join with ``:``); those it cannot hold whole are left out."""
        out = []
        m = self.mastering
        corners = (("G", m.green), ("B", m.blue), ("R", m.red), ("WP", m.white)) if m else ()
        if m is not None and m.max_luminance and all(v is not None for _, v in corners):
            lo = m.min_luminance or Fraction(0)
            points = "".join(f"{k}({_units(v, CHROMA_UNIT)})" for k, v in corners if v)
            lum = f"L({round(m.max_luminance * LUMA_UNIT)},{round(lo * LUMA_UNIT)})"
            out.append(f"mastering-display={points}{lum}")
        if self.max_cll is not None or self.max_fall is not None:
            out.append(f"cll={self.max_cll or 0},{self.max_fall or 0}")
        return out

    def describe(self) -> str:
        """One line for people: ``HDR10 metadata: mastering display 0.005-1000 cd/m², MaxCLL
        1000, MaxFALL 400``."""
        parts = []
        m = self.mastering
        if m is not None:
            if m.max_luminance is not None:
                lo = float(m.min_luminance or 0)
                parts.append(f"mastering display {lo:g}-{float(m.max_luminance):g} cd/m²")
            else:
                parts.append("mastering display primaries")
        if self.max_cll is not None:
            parts.append(f"MaxCLL {self.max_cll}")
        if self.max_fall is not None:
            parts.append(f"MaxFALL {self.max_fall}")
        return "HDR10 metadata: " + ", ".join(parts)


def _units(xy: XY, unit: int) -> str:
    """``x,y`` in whole ``1 / unit`` steps."""
    return f"{round(xy[0] * unit)},{round(xy[1] * unit)}"


def _ratio(num: int, den: int) -> Fraction | None:
    """``num / den``, None for a 0 or negative denominator (libavutil's "unknown")."""
    return Fraction(num, den) if den > 0 else None


def parse_mastering(data: bytes) -> MasteringDisplay | None:
    """The mastering display of an AVMasteringDisplayMetadata side data buffer; None when it
    is too short or says it holds neither primaries nor luminance."""
    if len(data) < _MASTERING.size:
        return None
    v = _MASTERING.unpack_from(data)
    has_primaries, has_luminance = v[20] != 0, v[21] != 0
    if not (has_primaries or has_luminance):
        return None

    def xy(i: int) -> XY | None:
        x, y = _ratio(v[i], v[i + 1]), _ratio(v[i + 2], v[i + 3])
        return None if x is None or y is None or not has_primaries else (x, y)

    return MasteringDisplay(
        red=xy(0),
        green=xy(4),
        blue=xy(8),
        white=xy(12),
        min_luminance=_ratio(v[16], v[17]) if has_luminance else None,
        max_luminance=_ratio(v[18], v[19]) if has_luminance else None,
    )


def parse_light(data: bytes) -> tuple[int, int] | None:
    """(MaxCLL, MaxFALL) of an AVContentLightMetadata side data buffer; None if too short."""
    if len(data) < _LIGHT.size:
        return None
    cll, fall = _LIGHT.unpack_from(data)
    return int(cll), int(fall)


def from_side_data(mastering: bytes | None, light: bytes | None) -> HdrMetadata | None:
    """The metadata of a frame's two side data buffers (either may be None); None when
    neither holds any."""
    display = parse_mastering(mastering) if mastering is not None else None
    levels = parse_light(light) if light is not None else None
    if display is None and levels is None:
        return None
    cll, fall = levels if levels is not None else (None, None)
    return HdrMetadata(display, cll, fall)
