"""The renderer ``exemplar``: the speaker's own mouth, taken from their footage.

Per frame, for one face:

1. The warp (:mod:`~lipsync.core.render.warp`) moves lips and jaw to the target shape: it
   gives the geometry of the lower face (chin, cheeks) and a fallback mouth.
2. The target lips, in rigid coordinates, choose samples of the track's exemplar bank
   (:mod:`~lipsync.core.render.exemplar_choice`: shape distance, and a smooth path over the
   frames of a batch).
3. The chosen sample is morphed so that its lips land exactly on the target lips
   (piecewise-affine over the lips and a ring of skin around them), straight from its stored
   crop into this frame's pixels: one resampling, no blur from a chain of warps. (Cross-fading
   the two nearest samples was tried: on retalking_face3 the mouth measured blurrier, 0.82 of
   the source's sharpness against 0.87, and flickered no less, 1.03 against 1.04 of the real
   footage.)
4. Its colour and light are matched to the warped frame by a smooth gain field measured on a
   ring of skin around the mouth (so a sample from a brighter or warmer moment fits). The
   bank keeps the sharpest sample of each shape; where the drawn lips (their box, measured
   as the bank measures the footage's) are sharper than the footage's typical lips at the
   target's aperture (:meth:`ExemplarBank.typical`), all of the sample that shows (lips and
   the skin around them) is blurred by that much
   (:func:`~lipsync.core.render.detail_match.soften`; the lips alone, once samples were drawn
   whole, left a sharpened sample's skin beside them 1.85x the footage's): pasted into soft
   or motion-blurred footage the mouth read crisper than the footage
   (shape-matched sharpness in bench/real_faces.py, exemplar and auto: latentsync_demo2 1.17
   and 1.15, 1.11 and 1.13 when the sample's own frame was compared with its shape cell's,
   about 1.03 and 1.06 now; see the commit). The drawn lips, not the sample's frame: the
   morph squeezes or stretches the sample, and a cell held 1-13 frames of a 5 s clip, often
   the sample alone, which then was never sharper than its cell. Comparing it with the
   current frame instead, on the skin around the lips, was tried: the skin's detail there
   varied 0.25-5x from sample to sample with what the ring held, and the mouth came out
   blurred (0.74 of the footage's sharpness on tests/data/retalking_face3_2s.mp4, not 0.93).
5. It is blended over the warped frame inside a feathered mask around the lips, limited to the
   lower-face mask (pixels outside stay bit-exact). Where no sample is near the target shape,
   or the head is turned, the mask fades out and the warp's own mouth shows. The blend keeps
   the two images' fine detail (:func:`~lipsync.core.render.composite.detail_blend`): a plain
   mix of two textures that do not line up averages it away (the feather, a partly trusted
   sample), and the mouth read soft (0.81 of the source's sharpness on retalking_face1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.render import parameters as P
from lipsync.core.render.appearance import TrackAppearance
from lipsync.core.render.composite import detail_blend, feathered_mask, lower_face_polygon
from lipsync.core.render.detail_match import detail_energy, soften
from lipsync.core.render.exemplar_bank import (
    Exemplar,
    ExemplarBank,
    centred,
    lip_measures,
    rigid_frame,
    rigid_lips,
)
from lipsync.core.render.exemplar_choice import (
    best_path,
    blur_penalty,
    distances,
    pale_penalty,
)
from lipsync.core.render.lipmesh import band_triangles
from lipsync.core.render.meshwarp import piecewise_maps
from lipsync.core.render.mouth_model import check_target, target_shape
from lipsync.core.render.mouth_range import MouthRange, confidence_of
from lipsync.core.render.normalise import face_transform
from lipsync.core.render.registry import RenderJob
from lipsync.core.render.warp import WarpRenderer, check_frame, down_the_face
from lipsync.core.types import OUTER_LIP_LEFT_CORNER, OUTER_LIP_RIGHT_CORNER, FaceObservation

NEAR, FAR = 0.035, 0.08  # IO; samples this close are used fully, this far not at all
RING_MARGIN = (0.32, 0.3)  # IO; the morph's fixed ring beyond the lips' half width / height
RING_POINTS = 16
MOUTH_MARGIN = 0.07  # IO; the sample shows this far beyond the target's outer lips ...
MOUTH_FEATHER = 0.035  # IO; ... with a soft edge of this sigma
LIGHT_RING = (0.05, 0.26)  # IO; skin between these distances from the lips sets the colour
LIGHT_SIGMA = 0.12  # IO; smoothness of the colour and light gain field
MAP_STEP, MAP_STEP_FROM_IO = 2, 120.0  # maps every 2 px for faces this large (px between eyes)
TURNED = (20.0, 30.0)  # degrees of yaw: samples fade out between these
AUTO_COVERAGE = (3, 7)  # aperture steps held: ``auto`` starts to use / fully uses the bank
AUTO_FRAMES = (12, 50)  # frames of the track seen: the same, for the length of the shot
AUTO_SPREAD = (2, 4)  # aperture steps the mouth moves through (ExemplarBank.spread): the same


@dataclass(frozen=True)
class Choice:
    """The samples to show for one frame: (sample, weight) pairs and the overall weight."""

    picks: tuple[tuple[Exemplar, float], ...]
    weight: float


def _smoothstep(edge0: float, edge1: float, x: float) -> float:
    t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def _rigid_target(appearance: TrackAppearance, params: np.ndarray) -> np.ndarray:
    """``float32 (20, 2)``: the target lips in rigid coordinates (origin at the nose mean),
    from the neutral whose inner lip is where the picture shows it, as the samples' are
    labelled (the face mesh's put retalking_face3's lips thicker, and samples morphed onto
    them opened less than the target), opening as wide as the picture shows the speaker
    open (:func:`_seen_range`)."""
    neutral = appearance.neutral
    if appearance.seen_inner_lip is not None:
        neutral = {**neutral, "inner_lip": appearance.seen_inner_lip}
    shape = target_shape(neutral, params, _seen_range(appearance))
    nose = np.asarray(appearance.neutral["nose"], np.float32).mean(axis=0)
    return np.vstack([shape["outer_lip"], shape["inner_lip"]]).astype(np.float32) - nose


def _seen_range(appearance: TrackAppearance) -> MouthRange:
    """The track's mouth range, its widest opening read from the picture's inner lips (the
    bank's labels, :attr:`ExemplarBank.wide_gap`) as far as the frames offered and the
    mouth's movement (``AUTO_SPREAD``) let it be trusted: the tracker's lines read
    retalking_face1's widest opening 0.11 IO and the mouth range's floor (0.28 IO of gap at
    open = 1) opened every target about twice as wide as any sample he shows, so samples
    wider than the target was meant to be were chosen and the rendered mouth opened 0.114
    IOD on average (dlib) against his 0.098, teeth and all (mouth sharpness 1.10 of the
    footage's where his own footage reads 1.04). A still mouth keeps the tracker's range."""
    bank, range_ = appearance.exemplars, appearance.mouth_range
    if bank is None:
        return range_
    wide, frames = bank.wide_gap
    trust = confidence_of(frames) * _smoothstep(*AUTO_SPREAD, bank.spread)
    if trust <= 0.0:
        return range_
    return replace(range_, picture_wide=wide, picture_trust=trust)


def _ring(lips: np.ndarray) -> np.ndarray:
    """``float32 (RING_POINTS, 2)``: an ellipse around ``lips`` ``(20, 2)`` (its centre and size
    from the outer lips), ``RING_MARGIN`` beyond them."""
    outer = lips[:12]
    centre = (outer[OUTER_LIP_LEFT_CORNER] + outer[OUTER_LIP_RIGHT_CORNER]) / 2.0
    half = (outer.max(axis=0) - outer.min(axis=0)) / 2.0 + np.array(RING_MARGIN, np.float32)
    a = np.linspace(0.0, 2.0 * np.pi, RING_POINTS, endpoint=False)
    return (centre + np.stack([np.cos(a), np.sin(a)], axis=1) * half).astype(np.float32)


def _verdict(trust: float, bank: ExemplarBank) -> str:
    """Which renderer drew a track's mouth, and why (the run report's words)."""
    held = f"{bank.coverage} aperture steps in {len(bank.samples)} samples"
    origin = f" ({', '.join(s or 'this footage' for s in bank.sources)})"
    what = f"{held}{origin if bank.samples else ''} from {bank.frames} frames"
    if trust >= 1.0:
        return f"exemplar: {what}"
    if trust > 0.0:
        return f"exemplar over warp ({trust:.0%}): {what}, a short shot"
    if bank.samples and bank.spread <= AUTO_SPREAD[0] and not any(s.source for s in bank.samples):
        return f"warp: {what}, a still mouth (it moves through {bank.spread} aperture steps)"
    return f"warp: {what}, too few mouth shapes (a still or a short shot)"


class ExemplarRenderer:
    """Shows the speaker's own mouth from their footage, morphed to the target shape."""

    name = "exemplar"
    uses_exemplars = True
    batch_size = 8  # frames whose samples are chosen together (the path's look-ahead)

    def __init__(self) -> None:
        self._warp = WarpRenderer()
        self._shown: dict[int, Exemplar] = {}  # track -> the sample shown last
        self._banks: dict[int, tuple[float, ExemplarBank]] = {}  # track -> best trust, bank
        self._ended: dict[int, str] = {}  # track -> its verdict, once the track has ended
        # track -> (bank, its samples' centred lips, gaps, costs): a bank is frozen, and a
        # batch of 8 frames spent 2-3 ms making these again for 160 samples
        self._arrays: dict[int, tuple[ExemplarBank, np.ndarray, np.ndarray, np.ndarray]] = {}

    # --- choosing ---------------------------------------------------------------------------

    def trust(self, bank: ExemplarBank) -> float:
        """0..1: how much this track's bank is used at all (1: always, see ``auto``)."""
        return 1.0 if bank.samples else 0.0

    def verdicts(self) -> dict[int, str]:
        """Per track rendered so far: which renderer drew its mouth, and why."""
        out = dict(self._ended)
        out.update((track, _verdict(trust, bank)) for track, (trust, bank) in self._banks.items())
        return dict(sorted(out.items()))

    def forget(self, track_id: int) -> None:
        """Track ``track_id`` has ended: keep its verdict, let go of its samples."""
        self._shown.pop(track_id, None)
        self._arrays.pop(track_id, None)
        held = self._banks.pop(track_id, None)
        if held is not None:
            self._ended[track_id] = _verdict(*held)

    def _bank_arrays(
        self, track: int, bank: ExemplarBank
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The samples' centred lips, gaps and costs (pale, blurred) of ``bank``, made once
        per bank."""
        held = self._arrays.get(track)
        if held is None or held[0] is not bank:
            samples = bank.samples
            costs = pale_penalty(np.array([s.contrast for s in samples], np.float32))
            costs += blur_penalty(
                np.array([s.sharpness for s in samples], np.float32),
                np.array([bank.typical(s.gap) for s in samples], np.float32),
            )
            gaps = np.array([s.gap for s in samples], np.float32)
            held = (bank, bank.lips_centred(), gaps, costs)
            self._arrays[track] = held
        return held[1], held[2], held[3]

    def _note(self, track: int, bank: ExemplarBank | None, trust: float) -> None:
        bank = bank if bank is not None else ExemplarBank((), 0)
        held = self._banks.get(track)
        if held is None or trust >= held[0]:
            self._banks[track] = (trust, bank)

    def _choose(
        self,
        track: int,
        appearance: TrackAppearance | None,
        targets: Sequence[np.ndarray],
        faces: Sequence[FaceObservation],
    ) -> list[Choice]:
        """The samples for ``targets`` (one per frame, ``faces`` the track's face in each).

        A sample far from the target (:data:`NEAR`..:data:`FAR`) fades out, and the warp of
        the frame's own mouth shows instead, unless that mouth is further still from the
        target: the sample is used fully where it is nearer the target than the frame's own
        mouth by :data:`NEAR` or more. (A closed mouth in the frame, an open one asked for:
        the warp stretched the closed lips over a dark hole, where her own samples show the
        teeth she speaks over.)"""
        bank = appearance.exemplars if appearance is not None else None
        trust = self.trust(bank) if bank is not None else 0.0
        self._note(track, bank, trust)
        if appearance is None or bank is None or trust <= 0.0:
            return [Choice((), 0.0) for _ in targets]
        lips, gaps, penalty = self._bank_arrays(track, bank)
        rigid = [_rigid_target(appearance, t) for t in targets]
        costs = np.stack([distances(r, lips, gaps, penalty) for r in rigid])
        shown = self._shown.get(track)
        start = next((i for i, s in enumerate(bank.samples) if s is shown), None)
        path = best_path(costs, start)
        choices = []
        for row, best, r, face in zip(costs, path, rigid, faces, strict=True):
            picks = [(bank.samples[best], 1.0)]
            own_lips = rigid_lips(face.landmarks, rigid_frame(face.landmarks))
            own = distances(r, centred(own_lips)[None], np.array([lip_measures(own_lips)[0]],
                            np.float32), np.zeros(1, np.float32))[0]  # fmt: skip
            cost = float(row[best])
            near = max(1.0 - _smoothstep(NEAR, FAR, cost), _smoothstep(0.0, NEAR, own - cost))
            choices.append(Choice(tuple(picks), trust * near))
        self._shown[track] = bank.samples[int(path[-1])]
        return choices

    # --- rendering --------------------------------------------------------------------------

    def render(
        self,
        image: np.ndarray,
        face: FaceObservation,
        target: np.ndarray,
        appearance: TrackAppearance | None = None,
        strength: float = 1.0,
    ) -> np.ndarray:
        """The frame with ``face``'s mouth at ``target``, drawn from the speaker's own mouths
        (arguments as :meth:`WarpRenderer.render`)."""
        params = check_target(target)
        choice = self._choose(face.track_id, appearance, [params], [face])[0]
        return self._render(image, face, params, appearance, strength, choice)

    def render_batch(self, jobs: Sequence[RenderJob]) -> list[np.ndarray]:
        """Renders ``jobs`` (frames in order); the samples of each track's frames are chosen
        together, as one smooth path."""
        choices: dict[int, Choice] = {}
        by_track: dict[int, list[int]] = {}
        for i, job in enumerate(jobs):
            by_track.setdefault(job.face.track_id, []).append(i)
        for track, members in by_track.items():
            params = [check_target(jobs[i].target) for i in members]
            faces = [jobs[i].face for i in members]
            picked = self._choose(track, jobs[members[-1]].appearance, params, faces)
            choices.update(zip(members, picked, strict=True))
        return [
            self._render(
                j.image, j.face, check_target(j.target), j.appearance, j.strength, choices[i]
            )
            for i, j in enumerate(jobs)
        ]

    def _render(
        self,
        image: np.ndarray,
        face: FaceObservation,
        params: np.ndarray,
        appearance: TrackAppearance | None,
        strength: float,
        choice: Choice,
    ) -> np.ndarray:
        check_frame(image)
        strength = min(max(float(strength), 0.0), 1.0)
        inter_ocular = face.inter_ocular  # a property, computed on each use
        face_map = None  # the warp's and the sample's, when both draw
        if appearance is not None and strength > 0.0 and inter_ocular >= P.MIN_INTER_OCULAR_PX:
            face_map = face_transform(appearance.neutral, face.landmarks)
        weight = choice.weight * (1.0 - _smoothstep(*TURNED, abs(face.pose.yaw)))
        drawn_over = bool(choice.picks) and face_map is not None and weight * strength >= 1.0

        def warp(mouth_covered: bool) -> np.ndarray:
            return self._warp.render(
                image, face, params, appearance, strength, io=inter_ocular, face_map=face_map,
                mouth_covered=mouth_covered,
            )  # fmt: skip

        # a fully trusted sample hides all the warp paints within the lips
        out = warp(drawn_over)
        if appearance is None or not choice.picks or weight * strength <= 0.0:
            return out
        if face_map is None:  # the face is too small
            return out
        io = face_map.scale
        nose = np.asarray(appearance.neutral["nose"], np.float32).mean(axis=0)
        rigid = _rigid_target(appearance, params)
        target_px = face_map.apply(rigid + nose)
        ring_px = face_map.apply(_ring(rigid) + nose)
        h, w = image.shape[:2]
        x0, y0 = np.floor(ring_px.min(axis=0)).astype(int)
        x1, y1 = np.ceil(ring_px.max(axis=0)).astype(int) + 1
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 4 or y1 - y0 < 4:
            return warp(False) if drawn_over else out
        roi = (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
        region = out[y0:y1, x0:x1].astype(np.float32)
        drawn = np.zeros_like(region)
        covered = np.ones(region.shape[:2], bool)
        dst = np.vstack([target_px, ring_px])
        triangles = band_triangles(dst)  # None: Delaunay's (lips crossing over)
        for sample, share in choice.picks:
            pixels, inside = draw_sample(sample, dst, roi, io, triangles)
            covered &= inside
            drawn += share * pixels
        outer = target_px[:12] - np.array([x0, y0], np.float32)
        drawn = _match_light(drawn, region, _light_ring(outer, region.shape[:2], io) * covered, io)
        # no crisper than the footage's own lips at the target's aperture, typically (the
        # bank keeps the sharpest sample of each shape, and the morph may squeeze it): the
        # drawn lips' box measured as the bank measures the footage's
        bank = appearance.exemplars
        typical = bank.typical(lip_measures(rigid)[0]) if bank is not None else 0.0
        shows = _mouth_mask(outer, region.shape[:2], io)
        if typical > 0.0:
            box = _lips_box(outer, region.shape[:2]) & _inner(covered, 1)
            soft, sigma = soften(drawn, box, detail_energy(np.rint(drawn), box) / typical)
            if sigma > 0.0:  # all of the sample that shows: its lips and the skin around them
                drawn += shows[:, :, None] * (soft - drawn)
        mask = shows
        lower = [
            lower_face_polygon(
                face.landmarks["jaw"],
                face.landmarks["nose"],
                down_the_face(face_map),
                io,
            )
        ]
        mask *= feathered_mask((roi[2], roi[3]), (roi[0], roi[1]), lower, io)
        mask *= covered * (weight * strength)
        mask[mask < P.MASK_MIN_ALPHA] = 0.0
        mixed = detail_blend(region, drawn, mask, io)
        out[y0:y1, x0:x1] = np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
        return out


def draw_sample(
    sample: Exemplar,
    dst: np.ndarray,
    roi: tuple[int, int, int, int],
    io: float,
    triangles: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``sample``'s mouth morphed onto ``dst`` ``float32 (20 + RING_POINTS, 2)`` (image px:
    the 20 lip points, then the ring around them, as :func:`_ring` lays it out) over the
    region ``roi`` (x0, y0, w, h) of a face ``io`` px between the eyes: ``float32 (h, w, 3)``
    RGB and ``bool (h, w)``, True where the morph's triangles (``triangles``, None:
    Delaunay's) cover.

    Straight from the stored crop into the frame's pixels, bicubic: one resampling of a crop
    stored at ``EXEMPLAR_OVERSAMPLE`` times the face's own scale. Drawn back onto the frame it
    came from, its mouth keeps the footage's Laplacian variance (0.99-1.03 on a real speaker,
    tests); a crop at the footage's own scale kept 0.85-0.98, a bilinear morph 0.78-0.87."""
    src = sample.to_crop_px(np.vstack([sample.lips, _ring(sample.lips)]))
    mx, my, inside = _maps(dst, src, roi, io, triangles)
    pixels = cv2.remap(sample.crop, mx, my, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return pixels.astype(np.float32), inside


def _maps(
    dst: np.ndarray,
    src: np.ndarray,
    roi: tuple[int, int, int, int],
    io: float,
    triangles: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`piecewise_maps` over ``triangles`` (None: Delaunay's) for ``roi``; on large
    faces evaluated every ``MAP_STEP`` px and interpolated (the maps are piecewise linear:
    the error is a fraction of a pixel at the triangles' edges, the cost a quarter)."""
    if io < MAP_STEP_FROM_IO:
        return piecewise_maps(dst, src, roi, triangles)
    x0, y0, w, h = roi
    k = MAP_STEP
    sw, sh = -(-w // k), -(-h // k)
    # small pixel j sits at full pixel (j + 0.5) k - 0.5, as cv2.resize by k expects
    small = (np.asarray(dst, np.float32) - np.array([x0, y0], np.float32) + 0.5) / k - 0.5
    mx, my, inside = piecewise_maps(small, src, (0, 0, sw, sh), triangles)
    size = (sw * k, sh * k)
    mx = cv2.resize(mx, size, interpolation=cv2.INTER_LINEAR)[:h, :w]
    my = cv2.resize(my, size, interpolation=cv2.INTER_LINEAR)[:h, :w]
    inside = cv2.resize(inside.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)[:h, :w]
    return np.ascontiguousarray(mx), np.ascontiguousarray(my), inside.astype(bool)


def _dilated(outer: np.ndarray, shape: tuple[int, int], grow: float) -> np.ndarray:
    """``float32 (h, w)`` 0/1: the outer-lip polygon (region px) grown by ``grow`` px."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(outer * 16).astype(np.int32)], 1, cv2.LINE_AA, shift=4)
    r = max(round(grow), 0)
    if r:
        mask = cv2.dilate(mask, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1,) * 2))
    return mask.astype(np.float32)


def _mouth_mask(outer: np.ndarray, shape: tuple[int, int], io: float) -> np.ndarray:
    """``float32 (h, w)`` 0..1: the target's outer lips grown by ``MOUTH_MARGIN``, feathered."""
    mask = _dilated(outer, shape, MOUTH_MARGIN * io)
    return cv2.GaussianBlur(mask, (0, 0), max(MOUTH_FEATHER * io, 0.5))


def _light_ring(outer: np.ndarray, shape: tuple[int, int], io: float) -> np.ndarray:
    """``float32 (h, w)`` 0/1: the skin between ``LIGHT_RING`` IO around the outer lips
    ``outer`` ``(12, 2)`` (region px)."""
    return _dilated(outer, shape, LIGHT_RING[1] * io) - _dilated(outer, shape, LIGHT_RING[0] * io)


def _lips_box(outer: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """``bool (h, w)``: the bounding box of the outer lips ``outer`` ``(12, 2)`` (region px),
    where the bank measures a sample's sharpness."""
    box = np.zeros(shape, bool)
    x0, y0 = np.maximum(np.floor(outer.min(axis=0)).astype(int), 0)
    x1, y1 = np.ceil(outer.max(axis=0)).astype(int) + 1
    box[y0:y1, x0:x1] = True
    return box


def _inner(mask: np.ndarray, by: int) -> np.ndarray:
    """``bool (h, w)``: ``mask`` (bool) shrunk by ``by`` px: where a filter of that reach reads
    nothing outside it."""
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * by + 1,) * 2)
    return cv2.erode(mask.view(np.uint8), kernel).astype(bool)


def _match_light(drawn: np.ndarray, base: np.ndarray, ring: np.ndarray, io: float) -> np.ndarray:
    """``drawn`` (float RGB) times a smooth per-channel gain field that makes its skin around
    the lips match ``base``'s (the frame it goes into), measured on ``ring`` (``float32 (h, w)``
    0/1: the ``LIGHT_RING`` where the sample is drawn). The field is smooth, so it is computed
    on a grid a few pixels apart and interpolated."""
    shape = drawn.shape[:2]
    if ring.sum() < 8:
        return drawn
    sigma = max(LIGHT_SIGMA * io, 1.0)
    step = max(1, int(sigma // 3))
    small = (max(1, shape[1] // step), max(1, shape[0] // step))
    r = cv2.resize(ring, small, interpolation=cv2.INTER_AREA)
    want = cv2.resize(base * ring[:, :, None], small, interpolation=cv2.INTER_AREA)
    have = cv2.resize(drawn * ring[:, :, None], small, interpolation=cv2.INTER_AREA)
    weight = cv2.GaussianBlur(r, (0, 0), sigma / step) + 1e-4
    want = cv2.GaussianBlur(want, (0, 0), sigma / step) / weight[:, :, None]
    have = cv2.GaussianBlur(have, (0, 0), sigma / step) / weight[:, :, None]
    gain = np.clip((want + 1.0) / (have + 1.0), *P.COLOUR_GAIN_LIMITS).astype(np.float32)
    gain = cv2.resize(gain, (shape[1], shape[0]), interpolation=cv2.INTER_LINEAR)
    return drawn * gain


class AutoRenderer(ExemplarRenderer):
    """``exemplar`` where a track shows enough of the speaker's mouth shapes (the bank covers
    ``AUTO_COVERAGE`` aperture steps over ``AUTO_FRAMES`` frames, and the mouth moves through
    ``AUTO_SPREAD`` steps, trust ramping in between), the ``warp`` for stills, photos and short
    shots.

    The spread tells a still from a speaker: a photo panned and zoomed (the throughput bench's
    portrait at 480x270) held samples in 3 aperture steps, its landmarks jittering across the
    steps' edges, and its mouth was blended 10 % from them at a sample's full cost; it spreads
    over 2 (a silent speaker, musetalk_sun, too). Speakers on the real clips spread over 6-14
    steps once 70 frames are seen."""

    name = "auto"

    def trust(self, bank: ExemplarBank) -> float:
        coverage = _smoothstep(AUTO_COVERAGE[0] - 1, AUTO_COVERAGE[1], bank.coverage)
        if any(s.source for s in bank.samples):  # a profile: known shapes at once
            return coverage
        frames = _smoothstep(AUTO_FRAMES[0], AUTO_FRAMES[1], bank.frames)
        moving = _smoothstep(AUTO_SPREAD[0], AUTO_SPREAD[1], bank.spread)
        return min(coverage, frames, moving)


def _no_model(name: str, model: str | None) -> None:
    if model is not None:
        raise InputError(f"The {name} renderer uses no model: leave out --model.")


def create_renderer(model: str | None) -> ExemplarRenderer:
    """The ``exemplar`` renderer (it uses no model file)."""
    _no_model("exemplar", model)
    return ExemplarRenderer()


def create_auto_renderer(model: str | None) -> AutoRenderer:
    """The ``auto`` renderer (it uses no model file)."""
    _no_model("auto", model)
    return AutoRenderer()
