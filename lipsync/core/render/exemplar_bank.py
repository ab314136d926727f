"""The speaker's own mouths: a bank of lower-face samples from their footage, one per shape.

While a track is followed, :class:`ExemplarCollector` takes a sample of the mouth region of
every usable frame (frontal enough, not cut by the frame edge), aligned on rigid features: the
crop is cut in *rigid coordinates* (the eye frame of :mod:`~lipsync.core.render.normalise`, IO
units, origin at the mean of the nose points), so the same spot of the face lands on the same
crop pixel whatever the head's position, roll and size. Each sample keeps its lip landmarks in
those coordinates (the inner lips where the picture shows the lips part:
:mod:`~lipsync.core.render.inner_lips`), its aperture, width, teeth visibility and a quality
(sharpness, pose).

Memory is bounded whatever the length of the video: the shape space (inner-lip gap x outer-lip
width) is cut into cells and each cell keeps its best sample only (``EXEMPLAR_MAX`` at most)::

    collector = ExemplarCollector()
    for image, face in frames_of_one_track:
        collector.add(image, face, index)
    bank = collector.bank()              # ExemplarBank, frozen: the renderer's choice set
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from lipsync.core.geometry import Similarity
from lipsync.core.render import parameters as P
from lipsync.core.render.inner_lips import refine_inner_lips
from lipsync.core.render.mouth_range import percentile_of
from lipsync.core.render.normalise import eye_frame, inner_gaps
from lipsync.core.types import OUTER_LIP_LEFT_CORNER, OUTER_LIP_RIGHT_CORNER, FaceObservation

#: Lip points of a sample: the 12 outer then the 8 inner.
LIP_POINTS = 20


def rigid_frame(landmarks: Mapping[str, np.ndarray], eyes: Similarity | None = None) -> Similarity:
    """Rigid coordinates -> image px for one observation: the eye frame with its origin moved
    to the mean of the nose points (which do not move with the mouth); ``eyes``: the eye frame
    (:func:`~.normalise.eye_frame`) when the caller has it."""
    frame = eye_frame(landmarks) if eyes is None else eyes
    nose = frame.inverse().apply(np.asarray(landmarks["nose"], np.float32)).mean(axis=0)
    tx, ty = frame.apply(nose[None])[0]
    return Similarity(frame.scale, frame.angle, float(tx), float(ty))


def rigid_lips(landmarks: Mapping[str, np.ndarray], frame: Similarity) -> np.ndarray:
    """``float32 (20, 2)``: outer then inner lip of ``landmarks`` in the rigid coordinates of
    ``frame`` (see :func:`rigid_frame`)."""
    inverse = frame.inverse()
    return np.vstack(
        [inverse.apply(landmarks["outer_lip"]), inverse.apply(landmarks["inner_lip"])]
    ).astype(np.float32)


def lip_measures(lips: np.ndarray) -> tuple[float, float]:
    """(mean inner-lip gap, outer-lip width) of ``lips`` ``(20, 2)``, in their units."""
    gap = float(inner_gaps(lips[12:]).mean())
    width = float(np.linalg.norm(lips[OUTER_LIP_RIGHT_CORNER] - lips[OUTER_LIP_LEFT_CORNER]))
    return gap, width


def centred(lips: np.ndarray) -> np.ndarray:
    """``lips`` ``(20, 2)`` moved so that the midpoint of the outer corners is the origin."""
    lips = np.asarray(lips, np.float32)
    return lips - (lips[OUTER_LIP_LEFT_CORNER] + lips[OUTER_LIP_RIGHT_CORNER]) / 2.0


@dataclass(frozen=True, eq=False)
class Exemplar:
    """One mouth of the speaker, cut from a frame in rigid coordinates.

    ``crop``: RGB ``uint8 (h, w, 3)``; crop pixel (u, v) shows the rigid point
    ``EXEMPLAR_BOX[:2] + (u, v) / scale``; ``scale``: px per IO; ``lips``: ``float32 (20, 2)``
    outer then inner lip in rigid coordinates; ``gap`` / ``width``: mean inner gap and outer
    width, IO; ``teeth``: 0..1, the share of the opening that is tooth-bright; ``contrast``:
    the RGB distance between the lips' and the skin's mean colours (motion blur and glare
    make lips pale); ``quality``: higher is better (contrast, sharpness, frontal pose);
    ``frame``: index of the frame it came from; ``source``: where it came from ("" = this
    footage, else the profile's name); ``sharpness``: the variance of the Laplacian of its
    lips on that frame's own pixels (:func:`sharpness`; 0: not known, a profile's sample).
    """

    crop: np.ndarray
    scale: float
    lips: np.ndarray
    gap: float
    width: float
    teeth: float
    contrast: float
    quality: float
    frame: int
    source: str = ""
    sharpness: float = 0.0

    def to_crop_px(self, points: np.ndarray) -> np.ndarray:
        """Rigid ``(N, 2)`` -> crop pixel coordinates ``float32 (N, 2)``."""
        origin = np.array(P.EXEMPLAR_BOX[:2], np.float32)
        return ((np.asarray(points, np.float32) - origin) * self.scale).astype(np.float32)


def cell_of(gap: float, width: float) -> tuple[int, int]:
    """The shape cell of a mouth with mean inner gap ``gap`` and outer width ``width`` (IO)."""
    return int(max(gap, 0.0) // P.EXEMPLAR_GAP_STEP), int(max(width, 0.0) // P.EXEMPLAR_WIDTH_STEP)


@dataclass(frozen=True, eq=False)
class ExemplarBank:
    """A track's exemplars (one per shape cell) and how much of the shape space they cover.

    ``frames``: the frames offered; ``coverage``: the number of distinct aperture steps
    (``EXEMPLAR_GAP_STEP`` wide) held, from closed to the widest; ``sharp_steps``: per aperture
    step of the frames offered (every width), (step, frames with a lips' :func:`sharpness`,
    the sum of its logarithm), the footage's lip sharpness by aperture (:meth:`typical`)."""

    samples: tuple[Exemplar, ...]
    frames: int
    sharp_steps: tuple[tuple[int, int, float], ...] = ()

    def typical(self, gap: float) -> float:
        """The footage's typical lips' :func:`sharpness` at the mean inner gap ``gap`` (IO):
        the geometric mean over the frames offered in its aperture step, widened a step each
        way at a time until it holds ``EXEMPLAR_TYPICAL_SHARE`` of the frames offered (at
        least ``EXEMPLAR_TYPICAL_MIN``); 0 (not known) when fewer frames were offered."""
        offered = sum(n for _, n, _ in self.sharp_steps)
        if offered < P.EXEMPLAR_TYPICAL_MIN:
            return 0.0
        need = max(P.EXEMPLAR_TYPICAL_MIN, round(P.EXEMPLAR_TYPICAL_SHARE * offered))
        step = cell_of(gap, 0.0)[0]
        far = [abs(s - step) for s, _, _ in self.sharp_steps]
        # the nearest reach that holds enough frames (all of them when none does), in Python
        # ints (numpy's unique and masked sums per reach cost 20x)
        held, reach = 0, max(far)
        for distance, n in sorted((abs(s - step), n) for s, n, _ in self.sharp_steps):
            held += n
            if held >= need:
                reach = distance
                break
        near = np.array(far) <= reach
        count = np.array([n for _, n, _ in self.sharp_steps])
        total = np.array([t for _, _, t in self.sharp_steps])
        return float(np.exp(total[near].sum() / count[near].sum()))

    @cached_property
    def wide_gap(self) -> tuple[float, int]:
        """The widest ordinary opening of the frames offered, as the picture shows their inner
        lips (the samples' labels): the ``RANGE_WIDE_PERCENTILE`` percentile of their mean inner
        gaps (IO, interpolated inside an aperture step), and how many frames it is over
        ((0.0, 0) when none)."""
        counts = [(s, n) for s, n, _ in self.sharp_steps if n > 0]
        if not counts:
            return 0.0, 0
        hist = np.zeros(max(s for s, _ in counts) + 1, np.int64)
        for s, n in counts:
            hist[s] += n
        edges = np.arange(hist.size + 1) * P.EXEMPLAR_GAP_STEP
        return percentile_of(hist, edges, P.RANGE_WIDE_PERCENTILE), int(hist.sum())

    @property
    def coverage(self) -> int:
        return len({cell_of(s.gap, s.width)[0] for s in self.samples})

    @cached_property
    def spread(self) -> int:
        """The aperture steps the footage's mouth moves through: from the step below which
        ``EXEMPLAR_SPREAD_TRIM`` of the frames offered (with a lips' sharpness) fall to the
        step above which as many fall, both counted; 0 when no frame was measured. A still
        (a photo panned and zoomed) holds samples in a few steps too, as its landmarks jitter
        across their edges; it spreads over one or two."""
        counts = [(s, n) for s, n, _ in self.sharp_steps if n > 0]
        if not counts:
            return 0
        steps = np.array([s for s, _ in counts])
        cumulative = np.cumsum([n for _, n in counts])
        trim = P.EXEMPLAR_SPREAD_TRIM * cumulative[-1]
        low = steps[int(np.searchsorted(cumulative, trim, side="right"))]
        high = steps[int(np.searchsorted(cumulative, cumulative[-1] - trim, side="left"))]
        return int(high - low + 1)

    @property
    def sources(self) -> tuple[str, ...]:
        """Where the samples came from, each named once ("" = this footage)."""
        return tuple(sorted({s.source for s in self.samples}))

    def lips_centred(self) -> np.ndarray:
        """``float32 (N, 20, 2)``: every sample's lips centred on their outer corners."""
        if not self.samples:
            return np.zeros((0, LIP_POINTS, 2), np.float32)
        return np.stack([centred(s.lips) for s in self.samples])


def crop_size(scale: float) -> tuple[int, int]:
    """(width, height) px of a crop at ``scale`` px per IO."""
    x0, y0, x1, y1 = P.EXEMPLAR_BOX
    return max(2, round((x1 - x0) * scale)), max(2, round((y1 - y0) * scale))


def crop_matrix(frame: Similarity, scale: float) -> np.ndarray:
    """``float64 (2, 3)``: crop px -> image px for an observation with rigid frame ``frame``."""
    m = frame.matrix.copy()
    origin = np.array(P.EXEMPLAR_BOX[:2], np.float64)
    m[:, 2] = m[:, :2] @ origin + m[:, 2]
    m[:, :2] /= scale
    return m


def teeth_share(crop: np.ndarray, inner_px: np.ndarray) -> float:
    """0..1: the share of the mouth opening (polygon ``inner_px`` in crop px) that is bright
    and pale like teeth (bright relative to the crop, low saturation)."""
    mask = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(mask, [np.round(inner_px).astype(np.int32)], 1)
    inside = mask.astype(bool)
    if inside.sum() < 4:
        return 0.0
    means = channel_mean(crop)
    luma = means[inside]  # the same float32 as the pixels' own mean (see channel_mean)
    rgb = crop[inside].astype(np.float32)
    sat = rgb.max(axis=1) - rgb.min(axis=1)
    bright = luma > 0.8 * float(np.percentile(means, 90))
    return float(np.mean(bright & (sat < 0.35 * np.maximum(luma, 1.0))))


def channel_mean(image: np.ndarray) -> np.ndarray:
    """``float32 (h, w)``: the mean of each pixel's three values of ``image`` ``uint8 (h, w,
    3)``, as ``image.astype(np.float32).mean(axis=2)`` gives it (the sum of three uint8 is
    exact in float32 in any order, and so is its division by three): one product with a
    vector instead of numpy's reduction three values at a time (~6x faster)."""
    h, w = image.shape[:2]
    total = image.reshape(-1, 3).astype(np.float32) @ np.ones(3, np.float32)
    return total.reshape(h, w) / np.float32(3.0)


def lip_contrast(crop: np.ndarray, lips_px: np.ndarray, scale: float) -> float:
    """RGB distance between the mean colour of the lips (between the outer and inner lip
    polygons ``lips_px`` ``(20, 2)``, crop px) and of the skin just around them."""
    h, w = crop.shape[:2]
    points = np.round(lips_px).astype(np.int32)
    outer = np.zeros((h, w), np.uint8)
    cv2.fillPoly(outer, [points[:12]], 1)
    inner = np.zeros((h, w), np.uint8)
    cv2.fillPoly(inner, [points[12:]], 1)
    # the masks hold 0 or 1 and the dilation covers its own mask, so one comparison each:
    # lips = inside the outer polygon and not the inner, skin = near the outer and not in it
    lips = outer > inner
    r = max(1, round(P.EXEMPLAR_SKIN_RING * scale))
    skin = cv2.dilate(outer, np.ones((2 * r + 1, 2 * r + 1), np.uint8)) > outer
    if np.count_nonzero(lips) < 4 or np.count_nonzero(skin) < 4:
        return 0.0
    return float(np.linalg.norm(masked_mean(crop, lips) - masked_mean(crop, skin)))


def masked_mean(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``float32 (3,)``: the mean colour of ``image`` ``uint8 (h, w, 3)`` where ``mask``
    ``bool (h, w)`` is set, as ``image[mask].astype(np.float32).mean(axis=0)`` gives it.

    That float32 sum is exact while it stays below 2**24 (integers), so numpy gives the exact
    quotient rounded to float32. OpenCV's sum is exact too and its float64 quotient (times the
    reciprocal) is within 2**-51 of the exact one, while a quotient of such integers that is not
    a float32 (or a midpoint between two) lies at least 2**-40 from any rounding boundary: the
    same float32, about ten times faster (the numpy reduction runs three values at a time).
    Larger areas go through numpy."""
    count = int(np.count_nonzero(mask))
    if count * 255 >= 1 << 24:
        return image[mask].astype(np.float32).mean(axis=0)
    mean = cv2.mean(image, mask.view(np.uint8))
    return np.array(mean[:3], np.float32)


def sharpness(crop: np.ndarray, lips_px: np.ndarray) -> float:
    """Variance of the Laplacian of the luma inside the outer lips' bounding box (crop px)."""
    x0, y0 = np.floor(lips_px.min(axis=0)).astype(int)
    x1, y1 = np.ceil(lips_px.max(axis=0)).astype(int) + 1
    h, w = crop.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return 0.0
    grey = cv2.cvtColor(crop[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY)
    return float(cv2.Laplacian(grey, cv2.CV_32F).var())


class ExemplarCollector:
    """Keeps one track's best sample per mouth-shape cell (bounded memory), streaming."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], Exemplar] = {}
        #: per aperture step (the cells' first index, every width): frames offered with a
        #: sharpness, the sum of its logarithm
        self._sharp: dict[int, tuple[int, float]] = {}
        self.frames = 0
        #: Counts the changes to what :meth:`bank` would return.
        self.version = 0

    def add(
        self,
        image: np.ndarray,
        face: FaceObservation,
        index: int,
        io: float | None = None,
        eyes: Similarity | None = None,
        inner_lip: np.ndarray | None = None,
    ) -> None:
        """Offer one frame (RGB ``uint8 (H, W, 3)``) and the track's face in it; ``io``,
        ``eyes`` and ``inner_lip``: the face's ``inter_ocular`` (a property computed on each
        use), its eye frame and its inner lips placed on the picture
        (:func:`~lipsync.core.render.inner_lips.refine_inner_lips`), when the caller has them
        already."""
        self.frames += 1
        if io is None:
            io = face.inter_ocular  # px
        if io < P.EXEMPLAR_MIN_IO_PX or abs(face.pose.yaw) > P.BANK_MAX_YAW:
            return
        frame = rigid_frame(face.landmarks, eyes)
        # labelled by where the picture shows the lips part, not where the face mesh guessed:
        # on retalking_face3 the mesh put the opening through her lower lip when pursed and
        # inside her teeth when open, so open samples were chosen for closed targets and the
        # morph moved teeth as lips (true-mouth r of `auto` over 5 phases 0.15 -> 0.23)
        landmarks = dict(face.landmarks)
        if inner_lip is None:
            inner_lip = refine_inner_lips(image, landmarks["outer_lip"], landmarks["inner_lip"])
        landmarks["inner_lip"] = inner_lip
        lips = rigid_lips(landmarks, frame)
        gap, width = lip_measures(lips)
        scale = float(min(P.EXEMPLAR_OVERSAMPLE * io, P.EXEMPLAR_MAX_SCALE))
        w, h = crop_size(scale)
        m = crop_matrix(frame, scale)
        corners = m @ np.array([[0, 0, 1], [w, 0, 1], [0, h, 1], [w, h, 1]], np.float64).T
        ih, iw = image.shape[:2]
        if corners.min() < 0 or corners[0].max() > iw - 1 or corners[1].max() > ih - 1:
            return  # cut by the frame's edge
        # quality first, on the frame itself (cheap): most frames lose to their cell's sample
        frontal = 1.0 - 0.5 * abs(face.pose.yaw) / P.BANK_MAX_YAW
        contrast, sharp = _lip_quality(image, face, io)
        quality = contrast * np.sqrt(sharp) * frontal
        cell = cell_of(gap, width)
        if sharp > 0.0:
            n, total = self._sharp.get(cell[0], (0, 0.0))
            self._sharp[cell[0]] = (n + 1, total + float(np.log(sharp)))
        held = self._cells.get(cell)
        if held is not None and _rank(held) >= (True, quality):
            return
        crop = cv2.warpAffine(
            image,
            m,
            (w, h),
            flags=cv2.INTER_LANCZOS4 | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
        origin = np.array(P.EXEMPLAR_BOX[:2], np.float32)
        teeth = teeth_share(crop, (lips[12:] - origin) * scale)
        sample = Exemplar(
            crop, scale, lips, gap, width, teeth, contrast, quality, index, sharpness=sharp
        )
        self.offer(sample)

    def offer(self, sample: Exemplar) -> None:
        """Keep ``sample`` if its cell is empty or it beats the cell's sample; samples of this
        footage beat those of a profile."""
        cell = cell_of(sample.gap, sample.width)
        held = self._cells.get(cell)
        if held is not None and _rank(held) >= _rank(sample):
            return
        self._cells[cell] = sample
        if len(self._cells) > P.EXEMPLAR_MAX:
            worst = min(self._cells, key=lambda c: _rank(self._cells[c]))
            del self._cells[worst]
        self.version += 1

    def seed(self, samples: Iterable[Exemplar]) -> None:
        """Start from ``samples`` (a speaker profile's)."""
        for sample in samples:
            self.offer(sample)

    def bank(self) -> ExemplarBank:
        """The samples kept so far, ordered by aperture."""
        samples = tuple(sorted(self._cells.values(), key=lambda s: (s.gap, s.width)))
        steps = tuple((s, n, t) for s, (n, t) in sorted(self._sharp.items()))
        return ExemplarBank(samples, self.frames, steps)


def _lip_quality(image: np.ndarray, face: FaceObservation, io: float) -> tuple[float, float]:
    """(lip contrast, sharpness) of the face's mouth, measured on the frame's own pixels;
    ``io``: the face's inter-ocular distance, px."""
    lips_px = np.vstack([face.landmarks["outer_lip"], face.landmarks["inner_lip"]])
    reach = P.EXEMPLAR_SKIN_RING * io + 2.0
    x0, y0 = np.floor(lips_px.min(axis=0) - reach).astype(int)
    x1, y1 = np.ceil(lips_px.max(axis=0) + reach).astype(int) + 1
    h, w = image.shape[:2]
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return 0.0, 0.0
    region = image[y0:y1, x0:x1]
    local = (lips_px - np.array([x0, y0], np.float32)).astype(np.float32)
    return lip_contrast(region, local, io), sharpness(region, local[:12])


def _rank(sample: Exemplar) -> tuple[bool, float]:
    return (sample.source == "", sample.quality)
