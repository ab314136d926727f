"""Face crops for Wav2Lip and pasting its 96x96 result back without a visible box.

The crop is a square box placed like Wav2Lip's: its detector (S3FD) box, from the brows to
the chin, padded at the bottom (``--pads 0 10 0 0``) so the chin is inside. Here the box comes
from the tracker: centred on the (smoothed) face box, its side from rigid features (eye
distance, eyes to nose base) so that the source mouth opening does not make it breathe, and
its side averaged over the last frames of the track.

Pasting back (the usual complaint about Wav2Lip is the visible rectangle and the blur):

1. the result is colour-matched to the frame: the low-frequency difference between the input
   and the output over the skin around the mouth is added to the output (a normalised
   Gaussian filter, so the correction varies smoothly across the face);
2. it is upscaled (bicubic) and the frame's own fine detail (skin grain) is put back on the
   skin away from the mouth;
3. it is blended in through a feathered lower-face mask (jaw line below, nose base above,
   faded out before the crop's edges); elsewhere the frame is untouched, bit for bit.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import cv2
import numpy as np

from lipsync.core.render.composite import blend, lower_face_polygon
from lipsync.core.types import FaceObservation

SIZE = 96  # px, the generator's crop
SIDE_PER_SCALE = 2.6  # crop side (before padding) per rigid face scale
TOP_ABOVE_EYES = 0.33  # of the side: the crop's top edge above the top of the eyes
PAD_BOTTOM = 0.07  # of the side: Wav2Lip's bottom pad (10 px on a ~150 px face), chin room
NOSE_SCALE = 1.25  # eyes-to-nose-base distance times this is one rigid scale unit (frontal: ~IO)
SMOOTH_FRAMES = 5  # frames the crop size is averaged over (Wav2Lip smooths boxes over 5)
BOUNDS_MARGIN = 0.12  # of the side: room around the crop for the smoothed box to move in
FEATHER = 0.12  # IO, Gaussian sigma of the mask's soft edge
EDGE_FADE = 0.06  # of the side: the mask reaches zero this far inside the crop's edges
TOP_FADE = 6.0  # px at 96x96: the mask rises from zero at the crop's middle row over this
COLOUR_SIGMA = 0.14  # of the side, Gaussian sigma of the colour correction
MOUTH_MARGIN = (0.3, 0.35)  # IO around the source lips (x, y) left out of colour matching
DETAIL_SIGMA = 0.6  # px at 96x96: finer than this is "detail" the output lacks
DETAIL_LIMIT = 12.0  # grey levels: detail put back is clipped to this
MIN_SIDE = 24  # px; smaller faces are not rendered


@dataclass(frozen=True)
class CropBox:
    """A square crop: top-left (x0, y0) and side, integer px in the image's coordinates
    (it may extend past the image, which is then padded by replicating its edge)."""

    x0: int
    y0: int
    side: int

    def grown(self, fraction: float) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) px of the box grown by ``fraction`` of its side on every side."""
        m = fraction * self.side
        return (self.x0 - m, self.y0 - m, self.x0 + self.side + m, self.y0 + self.side + m)


def _eye_centres(face: FaceObservation) -> tuple[np.ndarray, np.ndarray]:
    left = np.asarray(face.landmarks["left_eye"], np.float32).mean(axis=0)
    right = np.asarray(face.landmarks["right_eye"], np.float32).mean(axis=0)
    return left, right


def face_scale(face: FaceObservation) -> float:
    """Rigid size of the face in px: the eye distance, or the eyes-to-nose-base distance
    times :data:`NOSE_SCALE` when the head is turned (the eye distance shrinks then)."""
    left, right = _eye_centres(face)
    nose_base = np.asarray(face.landmarks["nose"], np.float32)[4:].mean(axis=0)
    return max(float(np.linalg.norm(right - left)),
               NOSE_SCALE * float(np.linalg.norm(nose_base - (left + right) / 2)))  # fmt: skip


def crop_box(face: FaceObservation, side: float | None = None) -> CropBox:
    """The square crop of ``face`` (``side`` before padding: default from :func:`face_scale`).

    Horizontally centred on the face box, its top :data:`TOP_ABOVE_EYES` of the side above the
    face box's top (the eyes), extended down by :data:`PAD_BOTTOM` and kept square."""
    base = SIDE_PER_SCALE * face_scale(face) if side is None else float(side)
    pad = PAD_BOTTOM * base
    full = base + pad
    cx = (face.box[0] + face.box[2]) / 2
    top = face.box[1] - TOP_ABOVE_EYES * base
    n = max(round(float(full)), 1)
    return CropBox(round(float(cx - full / 2)), round(float(top)), n)


class SideSmoother:
    """The crop side averaged over the last :data:`SMOOTH_FRAMES` frames of each track
    (causal: frames come in order; a jump back or a gap starts afresh)."""

    def __init__(self) -> None:
        self._history: dict[int, deque[tuple[int, float]]] = {}

    def __call__(self, track_id: int, index: int, side: float) -> float:
        if track_id < 0:
            return side
        history = self._history.setdefault(track_id, deque(maxlen=SMOOTH_FRAMES))
        if history and not 0 < index - history[-1][0] <= SMOOTH_FRAMES:
            history.clear()
        history.append((index, side))
        recent = [s for i, s in history if index - i < SMOOTH_FRAMES]
        return float(np.mean(recent))

    def forget(self, track_id: int) -> None:
        self._history.pop(track_id, None)

    def reset(self) -> None:
        self._history.clear()


def crop(image: np.ndarray, box: CropBox) -> np.ndarray:
    """``uint8 (side, side, 3)``: the box's pixels, the image's edge replicated outside it."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = box.x0, box.y0, box.x0 + box.side, box.y0 + box.side
    inner = image[max(y0, 0) : max(min(y1, h), 0), max(x0, 0) : max(min(x1, w), 0)]
    if inner.size == 0:
        return np.zeros((box.side, box.side, 3), np.uint8)
    pads = (max(-y0, 0), max(y1 - h, 0), max(-x0, 0), max(x1 - w, 0))
    if any(pads):
        inner = cv2.copyMakeBorder(inner, *pads, cv2.BORDER_REPLICATE)
    return inner


def to_model_size(patch: np.ndarray) -> np.ndarray:
    """``uint8 (96, 96, 3)``: a crop resized for the generator (area averaging)."""
    interpolation = cv2.INTER_AREA if patch.shape[0] >= SIZE else cv2.INTER_CUBIC
    return cv2.resize(patch, (SIZE, SIZE), interpolation=interpolation)


def _masks(face: FaceObservation, box: CropBox) -> tuple[np.ndarray, np.ndarray]:
    """At 96x96 in crop coordinates: the feathered lower-face blend mask and the skin
    weights for colour matching (the hard lower-face polygon minus the mouth)."""
    k = SIZE / box.side
    origin = np.array([box.x0, box.y0], np.float32)
    left, right = _eye_centres(face)
    io = max(float(np.linalg.norm(right - left)), 1.0)
    across = (right - left) / io
    down = np.array([-across[1], across[0]], np.float32)
    polygon = lower_face_polygon(face.landmarks["jaw"], face.landmarks["nose"], down, io)
    shift = 4
    points = np.round((polygon - origin) * k * (1 << shift)).astype(np.int32)
    hard = np.zeros((SIZE, SIZE), np.float32)
    cv2.fillPoly(hard, [points], 1.0, lineType=cv2.LINE_AA, shift=shift)
    mask = cv2.GaussianBlur(hard, (0, 0), max(FEATHER * io * k, 0.5))
    fade = max(EDGE_FADE * SIZE, 1.0)
    inset = np.minimum(np.arange(SIZE), SIZE - 1 - np.arange(SIZE))  # rows from the edge
    ramp = np.clip((inset - 1.0) / fade, 0.0, 1.0)  # zero on the outer two rows
    mask *= np.minimum.outer(ramp, ramp).astype(np.float32)
    # nothing from the half the generator saw (its feathered tail would reach the nose)
    rows = np.clip((np.arange(SIZE) - SIZE / 2 + 0.5) / TOP_FADE, 0.0, 1.0).astype(np.float32)
    mask *= rows[:, None]

    lips = (np.asarray(face.landmarks["outer_lip"], np.float32) - origin) * k
    centre = lips.mean(axis=0)
    half = (lips.max(axis=0) - lips.min(axis=0)) / 2 + np.array(MOUTH_MARGIN) * io * k
    mouth = np.zeros((SIZE, SIZE), np.float32)
    cv2.ellipse(mouth, (tuple(np.round(centre * (1 << shift)).astype(int).tolist())),
                tuple(np.round(half * (1 << shift)).astype(int).tolist()), 0, 0, 360, 1.0, -1,
                cv2.LINE_AA, shift)  # fmt: skip
    skin = hard * (1.0 - mouth)
    return mask, skin


def colour_match(generated: np.ndarray, source: np.ndarray, skin: np.ndarray) -> np.ndarray:
    """``generated`` (float32 RGB, any square or rectangle) plus the smooth difference
    source - generated, estimated over the ``skin`` weights (``float32 (h, w)``) and spread by
    a normalised Gaussian filter of ``COLOUR_SIGMA`` of the smaller side (also MuseTalk's)."""
    sigma = max(COLOUR_SIGMA * min(skin.shape), 1.0)
    diff = source - generated
    weights = skin[:, :, None]
    total = float(skin.sum())
    mean = (diff * weights).sum(axis=(0, 1)) / total if total > 1.0 else np.zeros(3, np.float32)
    eps = 1e-2
    num = cv2.GaussianBlur(diff * weights, (0, 0), sigma) + eps * mean
    den = cv2.GaussianBlur(skin, (0, 0), sigma)[:, :, None] + eps
    return generated + num / den


def paste(
    image: np.ndarray,
    face: FaceObservation,
    box: CropBox,
    source96: np.ndarray,
    generated96: np.ndarray,
    strength: float = 1.0,
) -> np.ndarray:
    """A copy of ``image`` (RGB ``uint8 (H, W, 3)``) with the generator's output
    ``generated96`` (RGB ``float32 (96, 96, 3)`` in 0..255) for the crop ``box`` blended into the
    lower face of ``face``; ``source96`` (RGB ``uint8 (96, 96, 3)``) is the crop the generator
    saw. ``strength`` (0..1) scales the mask. Pixels outside the mask are left exactly as
    they are."""
    h, w = image.shape[:2]
    side = box.side
    mask96, skin96 = _masks(face, box)
    matched = colour_match(generated96.astype(np.float32), source96.astype(np.float32), skin96)
    up = cv2.resize(np.clip(matched, 0, 255), (side, side), interpolation=cv2.INTER_CUBIC)
    source = crop(image, box).astype(np.float32)
    detail = source - cv2.GaussianBlur(source, (0, 0), max(DETAIL_SIGMA * side / SIZE, 0.3))
    detail_weight = cv2.resize(cv2.GaussianBlur(skin96, (0, 0), 1.5), (side, side))
    up += np.clip(detail, -DETAIL_LIMIT, DETAIL_LIMIT) * detail_weight[:, :, None]
    mask = cv2.resize(mask96, (side, side), interpolation=cv2.INTER_LINEAR)
    mask *= float(np.clip(strength, 0.0, 1.0))
    mask[mask < 1.0 / 512.0] = 0.0
    # the part of the box inside the image
    x0, y0 = max(box.x0, 0), max(box.y0, 0)
    x1, y1 = min(box.x0 + side, w), min(box.y0 + side, h)
    if x1 <= x0 or y1 <= y0:
        return image.copy()
    sx, sy = x0 - box.x0, y0 - box.y0
    rendered = np.clip(np.rint(up[sy : sy + y1 - y0, sx : sx + x1 - x0]), 0, 255).astype(np.uint8)
    return blend(image, rendered, mask[sy : sy + y1 - y0, sx : sx + x1 - x0], (x0, y0))
