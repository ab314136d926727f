"""Face crops placed as MuseTalk's preprocessing places them, and pasting its 256x256 result
back through our feathered lower-face mask.

MuseTalk (``musetalk/utils/preprocessing.py``, v1.5 ``scripts/inference.py``) takes the box
of the 68 face landmarks (truncated to whole pixels): left and right from the leftmost and
rightmost point, the bottom at the lowest point (the chin) plus ``extra_margin`` (10 px in
1.5, kept inside the frame), and the top as far above landmark 29 (on the nose bridge,
``bbox_shift`` px lower when given) as the chin is below it. The box (not square) is resized
to 256x256 with Lanczos. A box that degenerates, or starts left of the frame, falls back to
the face detector's box. Here the landmarks come from our tracker (the same 68-point
numbering, without the eyebrows, which never bound the box).

Pasting back differs from MuseTalk's face-parsing blend: the 256x256 result is resized to the
box, colour-matched to the frame over the skin around the mouth, and blended through the
feathered lower-face mask (nothing from the upper half, which the UNet only reconstructs);
outside the mask the frame is untouched, bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from lipsync.core.render.composite import blend, lower_face_polygon
from lipsync.core.render.wav2lip_paste import colour_match
from lipsync.core.types import (
    INNER_LIP_LOWER_MID,
    INNER_LIP_UPPER_MID,
    OUTER_LIP_LEFT_CORNER,
    OUTER_LIP_RIGHT_CORNER,
    FaceObservation,
)

CROP = 256  # px, the model's face crop
EXTRA_MARGIN = 10  # px below the chin (MuseTalk 1.5's default --extra_margin)
HALF_FACE_POINT = 2  # index in ``nose`` of the 68-point landmark 29
BOUNDS_MARGIN = 0.1  # of the box's larger side: room around it for the box to move
MIN_SIDE = 32  # px; smaller boxes are not rendered
FEATHER = 0.12  # IO, Gaussian sigma of the mask's soft edge
EDGE_FADE = 0.05  # of the box's smaller side: the mask reaches zero this far inside its edges
TOP_FADE = 0.03  # of the box height: the mask rises from zero at the middle row over this
MOUTH_MARGIN = (0.3, 0.35)  # IO around the source lips (x, y) left out of colour matching


@dataclass(frozen=True)
class FaceBox:
    """A crop box (x1, y1, x2, y2), whole px in the image's coordinates (it may extend past
    the image, which is then padded by replicating its edge)."""

    x1: int
    y1: int
    x2: int
    y2: int

    @property
    def width(self) -> int:
        return self.x2 - self.x1

    @property
    def height(self) -> int:
        return self.y2 - self.y1

    def grown(self, fraction: float) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) px grown by ``fraction`` of the larger side on every side."""
        m = fraction * max(self.width, self.height)
        return (self.x1 - m, self.y1 - m, self.x2 + m, self.y2 + m)


def landmark_points(face: FaceObservation) -> np.ndarray:
    """``int32 (N, 2)``: every landmark of ``face``, truncated to whole px as MuseTalk does."""
    return np.concatenate([np.asarray(v, np.float32) for v in face.landmarks.values()]).astype(
        np.int32
    )


def musetalk_box(
    face: FaceObservation,
    bbox_shift: int = 0,
    extra_margin: int = EXTRA_MARGIN,
    height: int | None = None,
) -> FaceBox:
    """The crop box of ``face`` as MuseTalk 1.5 places it (see the module docstring);
    ``height``: the image's height, which the bottom does not pass."""
    points = landmark_points(face)
    half_y = int(np.asarray(face.landmarks["nose"], np.float32)[HALF_FACE_POINT, 1]) + int(
        bbox_shift
    )
    bottom = int(points[:, 1].max())
    top = int(half_y - (bottom - half_y))
    x1, x2 = int(points[:, 0].min()), int(points[:, 0].max())
    if bottom - top <= 0 or x2 - x1 <= 0 or x1 < 0:
        x1, top, x2, bottom = (int(v) for v in face.box)
    bottom += int(extra_margin)
    if height is not None:
        bottom = min(bottom, int(height))
    return FaceBox(x1, top, x2, bottom)


def crop(image: np.ndarray, box: FaceBox) -> np.ndarray:
    """``uint8 (h, w, 3)``: the box's pixels, the image's edge replicated outside it."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box.x1, box.y1, box.x2, box.y2
    inner = image[max(y0, 0) : max(min(y1, h), 0), max(x0, 0) : max(min(x1, w), 0)]
    if inner.size == 0:
        return np.zeros((max(box.height, 1), max(box.width, 1), 3), np.uint8)
    pads = (max(-y0, 0), max(y1 - h, 0), max(-x0, 0), max(x1 - w, 0))
    if any(pads):
        inner = cv2.copyMakeBorder(inner, *pads, cv2.BORDER_REPLICATE)
    return inner


def to_model_size(patch: np.ndarray) -> np.ndarray:
    """``uint8 (256, 256, 3)``: a box's crop resized as MuseTalk resizes it (Lanczos)."""
    return cv2.resize(patch, (CROP, CROP), interpolation=cv2.INTER_LANCZOS4)


def mouth_openness(face: FaceObservation) -> float:
    """Inner-lip gap over mouth width (0 = closed): how far from a neutral mouth a frame is."""
    inner = np.asarray(face.landmarks["inner_lip"], np.float32)
    outer = np.asarray(face.landmarks["outer_lip"], np.float32)
    gap = float(np.linalg.norm(inner[INNER_LIP_LOWER_MID] - inner[INNER_LIP_UPPER_MID]))
    width = float(np.linalg.norm(outer[OUTER_LIP_RIGHT_CORNER] - outer[OUTER_LIP_LEFT_CORNER]))
    return gap / max(width, 1.0)


def _masks(face: FaceObservation, box: FaceBox) -> tuple[np.ndarray, np.ndarray]:
    """At the box's size: the feathered lower-face blend mask and the skin weights for colour
    matching (the hard lower-face polygon minus the mouth)."""
    w, h = box.width, box.height
    origin = np.array([box.x1, box.y1], np.float32)
    io = max(face.inter_ocular, 1.0)
    left = np.asarray(face.landmarks["left_eye"], np.float32).mean(axis=0)
    right = np.asarray(face.landmarks["right_eye"], np.float32).mean(axis=0)
    across = (right - left) / max(float(np.linalg.norm(right - left)), 1e-6)
    down = np.array([-across[1], across[0]], np.float32)
    polygon = lower_face_polygon(face.landmarks["jaw"], face.landmarks["nose"], down, io)
    shift = 4
    points = np.round((polygon - origin) * (1 << shift)).astype(np.int32)
    hard = np.zeros((h, w), np.float32)
    cv2.fillPoly(hard, [points], 1.0, lineType=cv2.LINE_AA, shift=shift)
    mask = cv2.GaussianBlur(hard, (0, 0), max(FEATHER * io, 0.5))
    fade = max(EDGE_FADE * min(w, h), 1.0)
    ramp_x = np.clip((np.minimum(np.arange(w), w - 1 - np.arange(w)) - 1.0) / fade, 0, 1)
    ramp_y = np.clip((np.minimum(np.arange(h), h - 1 - np.arange(h)) - 1.0) / fade, 0, 1)
    mask *= np.minimum.outer(ramp_y, ramp_x).astype(np.float32)
    rows = np.clip((np.arange(h) - h / 2 + 0.5) / max(TOP_FADE * h, 1.0), 0, 1)
    mask *= rows.astype(np.float32)[:, None]

    lips = np.asarray(face.landmarks["outer_lip"], np.float32) - origin
    centre = lips.mean(axis=0)
    half = (lips.max(axis=0) - lips.min(axis=0)) / 2 + np.array(MOUTH_MARGIN) * io
    mouth = np.zeros((h, w), np.float32)
    cv2.ellipse(mouth, tuple(np.round(centre * (1 << shift)).astype(int).tolist()),
                tuple(np.round(half * (1 << shift)).astype(int).tolist()), 0, 0, 360, 1.0, -1,
                cv2.LINE_AA, shift)  # fmt: skip
    return mask, hard * (1.0 - mouth)


def paste(
    image: np.ndarray,
    face: FaceObservation,
    box: FaceBox,
    generated: np.ndarray,
    strength: float = 1.0,
) -> np.ndarray:
    """A copy of ``image`` (RGB ``uint8 (H, W, 3)``) with the model's output ``generated``
    (RGB ``float32 (256, 256, 3)``, 0..255) for ``box`` blended into the lower face of
    ``face``; ``strength`` (0..1) scales the mask. Outside the mask the image is exact."""
    h, w = image.shape[:2]
    up = cv2.resize(generated.astype(np.float32), (box.width, box.height),
                    interpolation=cv2.INTER_LINEAR)  # fmt: skip
    mask, skin = _masks(face, box)
    source = crop(image, box).astype(np.float32)
    matched = np.clip(colour_match(up, source, skin), 0, 255)
    mask *= float(np.clip(strength, 0.0, 1.0))
    mask[mask < 1.0 / 512.0] = 0.0
    x0, y0 = max(box.x1, 0), max(box.y1, 0)
    x1, y1 = min(box.x2, w), min(box.y2, h)
    if x1 <= x0 or y1 <= y0:
        return image.copy()
    sx, sy = x0 - box.x1, y0 - box.y1
    part = np.rint(matched[sy : sy + y1 - y0, sx : sx + x1 - x0]).astype(np.uint8)
    return blend(image, part, mask[sy : sy + y1 - y0, sx : sx + x1 - x0], (x0, y0))
