"""Which face speaks in each frame, which frames may be rendered, and how strongly (pure).

The engine plans here as frames stream by (:class:`FramePlanner`), or a whole tracked video at
once (:func:`plan_frames`, the same result): per frame the chosen face (or none) and
why a frame passes through untouched, and a render strength that ramps in and out over a few
frames at the edges of rendered stretches, so a face that appears, turns away or shrinks hands
over smoothly instead of popping.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lipsync.core.errors import InputError
from lipsync.core.types import FaceObservation

MAX_ABS_YAW = 40.0  # degrees; beyond this the far side of the mouth is hidden: pass through
MIN_FACE_HEIGHT = 40.0  # px; a smaller face has too few pixels around the mouth to render
HANDOVER_FRAMES = 4  # frames over which rendering fades in and out at the edges of a stretch
SWITCH_RATIO = 1.3  # "largest": another face must be this much larger to take over

# Why a frame passes through untouched (keys of the run report).
NO_FACE = "no_face"
TOO_SMALL = "too_small"
TURNED_AWAY = "turned_away"
OUTSIDE_RANGE = "outside_range"
NOT_SELECTED = "face_not_selected"
IN_DISSOLVE = "in_dissolve"  # the tracker's frames of a dissolve (two faces at once)


@dataclass(frozen=True)
class SelectionOptions:
    """``face``: "largest" (per frame the largest face, with hysteresis), "all", a track id
    (as listed by ``lipsync faces``), or several ids ("0,4,7" or a sequence of ints: one
    speaker's id in each of their shots, since ids start anew at every cut and dissolve; read
    as a sorted tuple). ``max_abs_yaw`` in degrees, ``min_face_height`` in px,
    ``handover_frames`` in frames."""

    face: str | int | tuple[int, ...] | list[int] = "largest"
    max_abs_yaw: float = MAX_ABS_YAW
    min_face_height: float = MIN_FACE_HEIGHT
    handover_frames: int = HANDOVER_FRAMES

    def __post_init__(self) -> None:
        object.__setattr__(self, "face", _face_choice(self.face))
        if self.handover_frames < 0:
            raise InputError("The hand-over length must be 0 frames or more.")


def _face_choice(face: object) -> str | int | tuple[int, ...]:
    """``face`` as :class:`SelectionOptions` keeps it (InputError: not a choice)."""
    if face in ("largest", "all"):
        return str(face)
    if isinstance(face, bool):
        raise InputError(f"Unknown face choice {face!r}: use 'largest', 'all' or face ids.")
    if isinstance(face, int):
        if face < 0:
            raise InputError(f"Face ids are 0 or more, not {face}: see `lipsync faces`.")
        return face
    parts: list[object]
    if isinstance(face, str):
        parts = [p.strip() for p in face.split(",")]
    elif isinstance(face, (list, tuple)):
        parts = list(face)
    else:
        raise InputError(f"Unknown face choice {face!r}: use 'largest', 'all' or face ids.")
    ids = []
    for part in parts:
        if isinstance(part, str) and part.isdigit():
            ids.append(int(part))
        elif isinstance(part, int) and not isinstance(part, bool) and part >= 0:
            ids.append(part)
        else:
            raise InputError(
                f"Unknown face choice '{face}': use 'largest', 'all', a face id from "
                "`lipsync faces`, or several ids separated by commas (e.g. 0,4)."
            )
    if not ids:
        raise InputError("No face id given: use 'largest', 'all' or ids from `lipsync faces`.")
    unique = tuple(sorted(set(ids)))
    return unique[0] if len(unique) == 1 else unique


@dataclass(frozen=True)
class FramePlan:
    """Per frame: the faces to render (track ids), their strength 0..1 (``float32 (N,)``), and
    for frames left untouched the reason (``None`` where rendered)."""

    faces: tuple[tuple[int, ...], ...]
    strength: np.ndarray
    reasons: tuple[str | None, ...]

    def passed_through(self) -> dict[str, int]:
        """Count of untouched frames by reason."""
        return dict(Counter(r for r in self.reasons if r is not None))

    @property
    def rendered(self) -> int:
        return sum(1 for r in self.reasons if r is None)


def plan_frames(
    observations: Sequence[Sequence[FaceObservation]],
    in_range: Sequence[bool],
    options: SelectionOptions,
) -> FramePlan:
    """Plan a whole video from its per-frame face observations.

    ``observations[i]`` are the faces tracked in frame ``i``; ``in_range[i]`` says whether the
    frame lies inside the requested time range.
    """
    planner = FramePlanner(options)
    chosen: list[tuple[int, ...]] = []
    reasons: list[str | None] = []
    for faces, inside in zip(observations, in_range, strict=True):
        picked, reason = planner.choose(faces, inside)
        chosen.append(picked)
        reasons.append(reason)
    strength = handover_strength(np.array([r is None for r in reasons], bool), options)
    return FramePlan(tuple(chosen), strength, tuple(reasons))


class FramePlanner:
    """The choice of :func:`plan_frames`, one frame at a time (for streaming).

    The choice of a frame depends on the frames before it only; its strength also on the
    ``handover_frames + 1`` frames after it (see :func:`handover_strength`).
    """

    def __init__(self, options: SelectionOptions) -> None:
        self.options = options
        self._current: int | None = None

    def choose(
        self, faces: Sequence[FaceObservation], inside: bool
    ) -> tuple[tuple[int, ...], str | None]:
        """The track ids to render in this frame, and why it passes through if none."""
        options = self.options
        if not inside:
            return (), OUTSIDE_RANGE
        if not faces:
            return (), IN_DISSOLVE if getattr(faces, "dissolve", False) else NO_FACE
        candidates, reason = _candidates(faces, options)
        if options.face == "all":
            picked = tuple(f.track_id for f in candidates)
        elif options.face == "largest":
            self._current = current = _largest(faces, self._current)
            picked = tuple(f.track_id for f in candidates if f.track_id == current)
            if not picked and reason is None:
                reason = _reason_for(next(f for f in faces if f.track_id == current), options)
        else:
            wanted = options.face if isinstance(options.face, tuple) else (options.face,)
            picked = tuple(f.track_id for f in candidates if f.track_id in wanted)
            if not picked:
                target = [f for f in faces if f.track_id in wanted]
                reason = _reason_for(target[0], options) if target else NOT_SELECTED
        return picked, None if picked else (reason or NOT_SELECTED)


def handover_strength(renderable: np.ndarray, options: SelectionOptions) -> np.ndarray:
    """``float32 (N,)`` strength: 1 inside rendered stretches, ramping linearly to 0 over
    ``handover_frames`` frames next to untouched frames (the video's own ends do not count as
    edges). ``renderable`` is ``bool (N,)``."""
    n = renderable.shape[0]
    ramp = options.handover_frames
    if n == 0:
        return np.zeros(0, np.float32)
    if ramp == 0:
        return renderable.astype(np.float32)
    # distance (in frames) from each frame to the nearest untouched frame
    dist = np.full(n, np.inf)
    last = -np.inf
    for i in range(n):
        if not renderable[i]:
            last = i
        dist[i] = i - last
    last = np.inf
    for i in range(n - 1, -1, -1):
        if not renderable[i]:
            last = i
        dist[i] = min(dist[i], last - i)
    strength = np.clip(dist / (ramp + 1), 0.0, 1.0)
    strength[~renderable] = 0.0
    return strength.astype(np.float32)


def _candidates(
    faces: Sequence[FaceObservation], options: SelectionOptions
) -> tuple[list[FaceObservation], str | None]:
    ok = [f for f in faces if _reason_for(f, options) is None]
    reason = None if ok else _reason_for(faces[0], options)
    return ok, reason


def _reason_for(face: FaceObservation, options: SelectionOptions) -> str | None:
    if face.height < options.min_face_height:
        return TOO_SMALL
    if abs(face.pose.yaw) > options.max_abs_yaw:
        return TURNED_AWAY
    return None


def _largest(faces: Sequence[FaceObservation], current: int | None) -> int:
    """The largest face's id, keeping ``current`` unless another is clearly larger."""
    biggest = max(faces, key=lambda f: f.width * f.height)
    for f in faces:
        if f.track_id == current:
            if biggest.width * biggest.height > SWITCH_RATIO * f.width * f.height:
                return biggest.track_id
            return current
    return biggest.track_id
