"""The engine's parts as types: what :class:`~lipsync.core.sync_stream.SyncStream` needs of a
renderer, a face tracker, a mouth curve and a face track's appearance.

A leaf module (numpy and the shared types only at run time), so any part of the engine can
name these without importing the others. The protocols are structural: a class need not
inherit from them, it only needs the members.

The renderer has one required method and five optional capabilities. The stream asks for a
capability with ``isinstance(renderer, BatchRenderer)`` (and likewise for the others): the
protocols are ``runtime_checkable``, so the check is "has these members", and the type checker
then knows the members' signatures. A renderer without a capability gets the default:

=======================  ===================================================================
capability               without it
=======================  ===================================================================
:class:`BatchRenderer`   ``render`` is called once per face (``batch_size`` is 1)
:class:`SpeechReader`    the renderer is never given the speech samples
:class:`RegionRenderer`  it may change the lower face (``sync_stream.lower_face_bounds``)
:class:`ExemplarUser`    face tracks keep no exemplar bank for it
:class:`TrackForgetter`  it keeps nothing per face track (or keeps it for the whole run)
=======================  ===================================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from lipsync.core.types import FaceObservation

if TYPE_CHECKING:
    from lipsync.core.render.appearance import TrackAppearance
    from lipsync.core.render.registry import RenderJob

#: Left, top, right, bottom in frame pixels.
Box = tuple[float, float, float, float]


@runtime_checkable
class Renderer(Protocol):
    """Turns a frame, a face in it and a target mouth state into a changed frame."""

    name: str

    def render(
        self,
        image: np.ndarray,
        face: FaceObservation,
        target: np.ndarray,
        appearance: TrackAppearance | None = None,
        strength: float = 1.0,
    ) -> np.ndarray:
        """RGB ``uint8 (H, W, 3)`` in and out; ``target`` ``float32 (6,)`` in MOUTH_PARAMS
        order; ``strength`` 0..1 blends from the untouched frame to the full render."""
        ...


@runtime_checkable
class BatchRenderer(Protocol):
    """Optional: renders several faces in one call (a learned model's batch)."""

    #: The most jobs the stream hands over in one call.
    batch_size: int

    def render_batch(self, jobs: Sequence[RenderJob]) -> list[np.ndarray]:
        """The new RGB ``uint8`` images of ``jobs``, in the same order and shapes."""
        ...


@runtime_checkable
class SpeechReader(Protocol):
    """Optional: reads the speech itself (e.g. Wav2Lip's mel windows)."""

    def prepare(self, speech: np.ndarray, sample_rate: int, fps: float) -> None:
        """Called once before the first frame with the whole speech, ``float32 (n,)`` mono at
        ``sample_rate`` Hz, time 0 = the first frame."""
        ...


@runtime_checkable
class RegionRenderer(Protocol):
    """Optional: reads and changes its own part of the frame, not the default lower face."""

    def bounds(self, face: FaceObservation) -> Box:
        """``(x0, y0, x1, y1)`` px of the frame the renderer reads and may change."""
        ...


@runtime_checkable
class ExemplarUser(Protocol):
    """Optional: draws on the speaker's own mouths, so each face track keeps exemplars."""

    uses_exemplars: bool


@runtime_checkable
class TrackForgetter(Protocol):
    """Optional: keeps state per face track and lets go of it when the track has ended. Track
    ids never come back (a face found again, or the same face after a cut, gets a new id), so
    a video of many shots holds only its current tracks' state."""

    def forget(self, track_id: int) -> None:
        """Track ``track_id`` has ended: every frame of it has been rendered."""
        ...


class Tracker(Protocol):
    """Finds and follows faces frame by frame (:class:`~lipsync.core.face.FaceTracker`)."""

    def update(self, image: np.ndarray) -> list[FaceObservation]:
        """The faces in the next frame, RGB ``uint8 (H, W, 3)``, with stable track ids."""
        ...

    def reset(self) -> None:
        """Forget every track (the next frame starts afresh)."""
        ...


class MouthCurve(Protocol):
    """The speech's mouth as a function of time (:class:`~lipsync.core.speech.MouthCurve`,
    or the live :class:`~lipsync.core.speech.incremental.IncrementalCurve`)."""

    @property
    def source(self) -> str:
        """Where the timing came from: ``espeak``, ``alignment``, ``audio`` or ``silence``."""
        ...

    def values(self, times: np.ndarray) -> np.ndarray:
        """``float32 (n, 6)`` mouth targets (MOUTH_PARAMS order) at ``times`` ``(n,)`` s from
        the first frame."""
        ...


@runtime_checkable
class GrowingCurve(Protocol):
    """Optional, for a curve of speech still arriving: values before ``known_until`` s are
    final; a curve without it is final everywhere."""

    @property
    def known_until(self) -> float: ...


class Appearance(Protocol):
    """What is learnt about one face track as its frames go by
    (:class:`~lipsync.core.render.AppearanceBuilder`); renderers receive what it builds."""

    @property
    def version(self) -> int:
        """Changes whenever :meth:`build` would give something new."""
        ...

    def add(self, image: np.ndarray, face: FaceObservation) -> None:
        """Learn from one more frame of the track."""
        ...

    def build(self) -> TrackAppearance:
        """The track's appearance from every frame added so far."""
        ...
