"""BlazeFace face detection on onnxruntime: anchors, box decoding, weighted NMS, tiling.

Two shipped detectors (see :mod:`lipsync.core.models`): the short-range model (128x128 input,
faces that fill a good part of the frame) and the full-range model (192x192 input, small and
distant faces). :class:`FaceDetector` runs the full-range model on the whole (letterboxed) frame
and, for small faces, on overlapping tiles, then merges everything with weighted NMS, as
MediaPipe does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from lipsync.core.face.imaging import check_frame, letterbox

DetectorModel = Literal["full", "short"]

# --- BlazeFace constants (from MediaPipe's face_detection_{short,full}_range.pbtxt) ------------
SHORT_INPUT = 128  # px, square model input of the short-range model
FULL_INPUT = 192  # px, square model input of the full-range model
SHORT_STRIDES = (8, 16, 16, 16)  # px per anchor cell, one entry per SSD layer
FULL_STRIDES = (4,)
SHORT_ANCHORS_PER_LAYER = 2  # aspect ratio 1.0 plus the interpolated scale
FULL_ANCHORS_PER_LAYER = 1
SCORE_CLIP = 100.0  # raw logits are clipped to +-this before the sigmoid
NUM_KEYPOINTS = 6  # right eye, left eye, nose tip, mouth centre, right ear, left ear (subject's)
KEYPOINT_RIGHT_EYE = 0  # the subject's right eye: on the image left for a frontal face
KEYPOINT_LEFT_EYE = 1

DEFAULT_MIN_SCORE = 0.5  # detection probability below which a box is dropped
NMS_IOU = 0.3  # boxes overlapping more than this are merged (weighted by score)
TILE_OVERLAP = 0.25  # fraction of a tile shared with its neighbour
DEFAULT_MIN_FACE = 48  # px; faces down to about this size (box width) are searched for by tiling
FULL_MIN_FACE_FRACTION = 0.16  # smallest face the full-range model finds, as a fraction of input


@dataclass(frozen=True, eq=False)
class Detection:
    """One detected face: ``box`` (x0, y0, x1, y1) image px, ``keypoints`` ``float32 (6, 2)``
    image px (subject's right eye, left eye, nose tip, mouth centre, right ear, left ear),
    ``score`` 0..1."""

    box: tuple[float, float, float, float]
    keypoints: np.ndarray
    score: float

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]


@dataclass(frozen=True)
class DetectorOptions:
    """``model``: "full" (default; whole frame plus tiles for small faces) or "short" (whole
    frame only, fastest, for close-ups). ``min_score``: 0..1. ``min_face``: smallest face box
    width in px to search for by tiling (0 = no tiling). ``max_tiles``: tiling budget."""

    model: DetectorModel = "full"
    min_score: float = DEFAULT_MIN_SCORE
    min_face: int = DEFAULT_MIN_FACE
    max_tiles: int = 24


def ssd_anchors(input_size: int, strides: tuple[int, ...], per_layer: int) -> np.ndarray:
    """Anchor centres ``float32 (N, 2)`` in 0..1 of the model input, in the model's order.

    Consecutive layers with the same stride share one grid (MediaPipe's SsdAnchorsCalculator
    with fixed anchor size), ``per_layer`` anchors per cell and layer.
    """
    anchors: list[tuple[float, float]] = []
    layer = 0
    while layer < len(strides):
        stride = strides[layer]
        repeats = 0
        while layer < len(strides) and strides[layer] == stride:
            repeats += per_layer
            layer += 1
        cells = math.ceil(input_size / stride)
        for y in range(cells):
            for x in range(cells):
                anchors.extend([((x + 0.5) / cells, (y + 0.5) / cells)] * repeats)
    return np.asarray(anchors, dtype=np.float32)


@dataclass
class _Model:
    name: str
    size: int
    anchors: np.ndarray
    session: Any = field(repr=False, default=None)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    clipped = np.clip(x.astype(np.float64), -SCORE_CLIP, SCORE_CLIP)
    return (1.0 / (1.0 + np.exp(-clipped))).astype(np.float32)


def decode(
    regressors: np.ndarray, logits: np.ndarray, anchors: np.ndarray, size: int, min_score: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Decode raw outputs to (boxes ``(M, 4)`` x0 y0 x1 y1, keypoints ``(M, 6, 2)``, scores
    ``(M,)``), all in 0..1 of the model input, keeping scores >= ``min_score``.

    ``regressors`` ``(N, 16)``: dx, dy, w, h, then 6 keypoint dx, dy, in model-input pixels
    relative to the anchor centre; ``logits`` ``(N,)``.
    """
    scores = _sigmoid(logits.astype(np.float32))
    keep = np.nonzero(scores >= min_score)[0]
    reg = regressors[keep].astype(np.float32) / size
    centres = anchors[keep]
    cx = reg[:, 0] + centres[:, 0]
    cy = reg[:, 1] + centres[:, 1]
    half_w = reg[:, 2] / 2
    half_h = reg[:, 3] / 2
    boxes = np.stack([cx - half_w, cy - half_h, cx + half_w, cy + half_h], axis=1)
    keypoints = reg[:, 4:].reshape(-1, NUM_KEYPOINTS, 2) + centres[:, None, :]
    return boxes, keypoints, scores[keep]


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one box ``(4,)`` with each of ``boxes`` ``(M, 4)`` (x0, y0, x1, y1)."""
    ix0 = np.maximum(box[0], boxes[:, 0])
    iy0 = np.maximum(box[1], boxes[:, 1])
    ix1 = np.minimum(box[2], boxes[:, 2])
    iy1 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(ix1 - ix0, 0, None) * np.clip(iy1 - iy0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def weighted_nms(
    boxes: np.ndarray, keypoints: np.ndarray, scores: np.ndarray, iou: float = NMS_IOU
) -> list[Detection]:
    """Merge overlapping detections: each cluster becomes the score-weighted mean of its
    members, with the best member's score (MediaPipe's WEIGHTED non-max suppression)."""
    order = np.argsort(-scores)
    boxes, keypoints, scores = boxes[order], keypoints[order], scores[order]
    remaining = np.ones(len(scores), dtype=bool)
    out: list[Detection] = []
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        members = remaining & (box_iou(boxes[i], boxes) > iou)
        members[i] = True
        remaining &= ~members
        weights = scores[members][:, None]
        box = (boxes[members] * weights).sum(axis=0) / weights.sum()
        kps = (keypoints[members] * weights[:, :, None]).sum(axis=0) / weights.sum()
        out.append(
            Detection(
                box=(float(box[0]), float(box[1]), float(box[2]), float(box[3])),
                keypoints=kps.astype(np.float32),
                score=float(scores[i]),
            )
        )
    return out


def tile_grid(
    width: int, height: int, tile: int, overlap: float = TILE_OVERLAP
) -> list[tuple[int, int]]:
    """Top-left corners of square tiles of side ``tile`` covering a ``width`` x ``height``
    frame, neighbours overlapping by about ``overlap`` of a tile."""

    def starts(length: int) -> list[int]:
        if length <= tile:
            return [0]
        step = tile * (1.0 - overlap)
        count = math.ceil((length - tile) / step) + 1
        return [round(k * (length - tile) / (count - 1)) for k in range(count)]

    return [(x, y) for y in starts(height) for x in starts(width)]


class FaceDetector:
    """BlazeFace detector. ``detect(image)`` gives :class:`Detection` objects in image px.

    ``sessions`` maps a model name ("blazeface_full", "blazeface_short") to an onnxruntime
    session; by default they come from :func:`lipsync.core.models.load_session`.
    """

    def __init__(self, options: DetectorOptions | None = None, session_options: Any = None) -> None:
        from lipsync.core.models import load_session

        self.options = options or DetectorOptions()
        if self.options.model == "short":
            self._model = _Model(
                "blazeface_short",
                SHORT_INPUT,
                ssd_anchors(SHORT_INPUT, SHORT_STRIDES, SHORT_ANCHORS_PER_LAYER),
            )
        else:
            self._model = _Model(
                "blazeface_full",
                FULL_INPUT,
                ssd_anchors(FULL_INPUT, FULL_STRIDES, FULL_ANCHORS_PER_LAYER),
            )
        self._model.session = load_session(self._model.name, session_options)
        self._input_name = self._model.session.get_inputs()[0].name

    def _run(
        self, image: np.ndarray, origin: tuple[int, int] = (0, 0)
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Detect in ``image`` (a frame or a tile at ``origin``); results in frame pixels."""
        size = self._model.size
        tensor, scale, pad = letterbox(image, size)
        tensor = tensor.astype(np.float32) * (2.0 / 255.0) - 1.0
        regressors, logits = self._model.session.run(None, {self._input_name: tensor[None]})
        boxes, kps, scores = decode(
            regressors[0], logits[0, :, 0], self._model.anchors, size, self.options.min_score
        )
        offset = np.array(origin, dtype=np.float32)
        boxes = ((boxes * size).reshape(-1, 2, 2) - pad) / scale + offset
        kps = (kps * size - pad) / scale + offset
        return boxes.reshape(-1, 4), kps, scores

    def detect(self, image: np.ndarray, thorough: bool = True) -> list[Detection]:
        """Faces in an RGB ``uint8 (H, W, 3)`` frame, best first; an empty list if none.
        ``thorough=False`` skips the tiles that find faces down to ``min_face`` px (one pass
        over the whole frame: only faces of about a sixth of its size and more)."""
        check_frame(image)
        height, width = image.shape[:2]
        parts = [self._run(image)]
        if thorough and self.options.model == "full" and self.options.min_face > 0:
            tile = self._tile_size(width, height)
            if tile:
                for x, y in tile_grid(width, height, tile):
                    parts.append(self._run(image[y : y + tile, x : x + tile], (x, y)))
        boxes = np.concatenate([p[0] for p in parts])
        kps = np.concatenate([p[1] for p in parts])
        scores = np.concatenate([p[2] for p in parts])
        if len(scores) == 0:
            return []
        return weighted_nms(boxes, kps, scores)

    def _tile_size(self, width: int, height: int) -> int:
        """Tile side (px) so that a ``min_face`` face is big enough for the model; 0 when the
        whole-frame pass already sees such faces or the tile budget would be exceeded."""
        opts = self.options
        whole_min = FULL_MIN_FACE_FRACTION * max(width, height)
        if opts.min_face >= whole_min:
            return 0
        tile = max(int(opts.min_face / FULL_MIN_FACE_FRACTION), FULL_INPUT)
        while len(tile_grid(width, height, tile)) > opts.max_tiles:
            tile = int(tile * 1.25)
        return tile if tile < max(width, height) else 0
