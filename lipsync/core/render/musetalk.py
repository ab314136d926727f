"""The learned renderer ``musetalk``: MuseTalk 1.5 (ONNX) inpaints the lower face at 256x256.

``get_renderer("musetalk", model="musetalk/")`` loads a folder made by
``lipsync models export musetalk`` and runs it with onnxruntime (CUDA when onnxruntime-gpu and
a GPU are present, the CPU otherwise). The engine drives it through the renderer hooks:

1. ``prepare(speech, 16000, fps)`` keeps the speech; the whisper encoder runs on each 30 s
   segment when a frame first needs it (:mod:`~lipsync.core.models.musetalk_audio`);
2. ``bounds(face)`` gives the part of the frame the crop reads (MuseTalk's box, grown);
3. ``render_batch(jobs)`` crops every face as MuseTalk does
   (:mod:`~lipsync.core.render.musetalk_crop`), encodes the crop with its lower half masked,
   adds the reference latent, runs one UNet step at timestep 0 with the frame's 10 audio
   states of every encoder layer, decodes, and pastes the result through our feathered
   lower-face mask with colour matching (``batch_size`` faces per call).

Temporal stability: the reference latent of a face track comes from its most neutral mouth
seen so far (smallest inner-lip gap; replaced only by a clearly more closed one), not from the
frame itself as in MuseTalk; and a frame whose audio window is silent gets the window of
digital silence, so the mouth rests instead of following noise.

Options from the environment: ``LIPSYNC_MUSETALK_BBOX_SHIFT`` (px, MuseTalk's ``bbox_shift``:
moves the crop's half-face line down, positive, or up, negative, which opens the mouth more
or less) and ``LIPSYNC_MUSETALK_EXTRA_MARGIN`` (px below the chin, default 10).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.models.musetalk_audio import SAMPLE_RATE, SILENCE_DBFS, AudioFeatures
from lipsync.core.models.musetalk_session import MuseTalkSession, open_musetalk
from lipsync.core.render.appearance import TrackAppearance
from lipsync.core.render.crop_batches import redraw_in_batches
from lipsync.core.render.musetalk_crop import (
    BOUNDS_MARGIN,
    CROP,
    EXTRA_MARGIN,
    MIN_SIDE,
    FaceBox,
    crop,
    mouth_openness,
    musetalk_box,
    paste,
    to_model_size,
)
from lipsync.core.render.registry import RenderJob
from lipsync.core.render.warp import check_frame
from lipsync.core.types import FaceObservation

logger = logging.getLogger("lipsync")

REFERENCE_MARGIN = 0.03  # a new reference must be this much more closed (gap / width)
ENV_BBOX_SHIFT = "LIPSYNC_MUSETALK_BBOX_SHIFT"
ENV_EXTRA_MARGIN = "LIPSYNC_MUSETALK_EXTRA_MARGIN"


@dataclass(frozen=True)
class MuseTalkOptions:
    """``bbox_shift``: px the half-face line moves down (MuseTalk's option; 0 = as placed);
    ``extra_margin``: px below the chin; ``silence_db``: a window quieter than this (dBFS)
    is silence."""

    bbox_shift: int = 0
    extra_margin: int = EXTRA_MARGIN
    silence_db: float = SILENCE_DBFS

    @classmethod
    def from_env(cls) -> MuseTalkOptions:
        """Options from ``LIPSYNC_MUSETALK_BBOX_SHIFT`` and ``LIPSYNC_MUSETALK_EXTRA_MARGIN``."""
        values = {}
        for name, field in ((ENV_BBOX_SHIFT, "bbox_shift"), (ENV_EXTRA_MARGIN, "extra_margin")):
            text = os.environ.get(name, "").strip()
            if not text:
                continue
            try:
                values[field] = int(text)
            except ValueError as e:
                raise InputError(
                    f"{name}={text!r} is not a whole number of pixels: give e.g. {name}=-5."
                ) from e
        if values.get("extra_margin", 0) < 0:
            raise InputError(f"{ENV_EXTRA_MARGIN} must be 0 or more pixels.")
        return cls(**values)


def _resample(speech: np.ndarray, rate: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(rate), SAMPLE_RATE)
    return resample_poly(speech, SAMPLE_RATE // g, int(rate) // g).astype(np.float32)


class MuseTalkRenderer:
    """Re-renders the lower face with MuseTalk 1.5 driven by the speech itself."""

    name = "musetalk"

    def __init__(self, session: MuseTalkSession, options: MuseTalkOptions | None = None) -> None:
        self.session = session
        self.options = options or MuseTalkOptions()
        self.batch_size = session.batch_size
        self._audio: AudioFeatures | None = None
        self._fps = 25.0
        self._references: dict[int, tuple[float, np.ndarray]] = {}  # track -> (gap, latent)

    # --- hooks ------------------------------------------------------------------------------

    def forget(self, track_id: int) -> None:
        """Track ``track_id`` has ended: let go of its reference latent."""
        self._references.pop(track_id, None)

    def prepare(self, speech: np.ndarray, sample_rate: int, fps: float) -> None:
        """Keep the whole ``speech`` (``float32 (n,)`` mono at ``sample_rate`` Hz; time 0 =
        the first frame) for video at ``fps`` frames/s."""
        samples = np.asarray(speech, dtype=np.float32)
        if samples.ndim == 2:
            samples = samples.mean(axis=1)
        if samples.ndim != 1:
            raise InputError(f"The speech must be mono samples (n,), got shape {samples.shape}.")
        if not (np.isfinite(fps) and fps > 0):
            raise InputError(f"The frame rate {fps} is not a rate: give frames per second > 0.")
        if int(sample_rate) != SAMPLE_RATE:
            samples = _resample(samples, int(sample_rate))
        self._audio = AudioFeatures(samples, self.session.encode_audio, self.session.mel_filters)
        self._fps = float(fps)
        self._references.clear()

    def box(self, face: FaceObservation, height: int | None = None) -> FaceBox:
        """MuseTalk's crop box of ``face`` with this renderer's options."""
        o = self.options
        return musetalk_box(face, o.bbox_shift, o.extra_margin, height)

    def bounds(self, face: FaceObservation) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) px of the frame this renderer reads and may change for ``face``."""
        return self.box(face).grown(BOUNDS_MARGIN)

    def render_batch(self, jobs: Sequence[RenderJob]) -> list[np.ndarray]:
        """The new images of ``jobs`` in order (any number; run ``batch_size`` at a time)."""
        if self._audio is None:
            raise ProcessingError(
                "The musetalk renderer was not given the speech: call prepare(speech, "
                "sample_rate, fps) before rendering."
            )
        return redraw_in_batches(jobs, self._plan, self.generate, _put, self.batch_size)

    def _plan(self, job: RenderJob) -> tuple[FaceBox, np.ndarray] | None:
        check_frame(job.image)
        box = self.box(job.face, job.image.shape[0])
        if job.strength <= 0.0 or min(box.width, box.height) < MIN_SIDE:
            return None
        return box, to_model_size(crop(job.image, box))

    def render(
        self,
        image: np.ndarray,
        face: FaceObservation,
        target: np.ndarray,
        appearance: TrackAppearance | None = None,
        strength: float = 1.0,
    ) -> np.ndarray:
        """Not available alone: MuseTalk needs each frame's time in the speech, which only
        :meth:`render_batch` receives (the engine calls it)."""
        raise ProcessingError(
            "The musetalk renderer renders from the speech at each frame's time: use "
            "render_batch with RenderJobs (the engine does), not render()."
        )

    # --- inference --------------------------------------------------------------------------

    def audio_window(self, job: RenderJob) -> np.ndarray:
        """``float32 (10 L, D)``: the frame's audio tokens (the silence window when quiet)."""
        assert self._audio is not None
        fps = job.fps or self._fps
        if self._audio.silent(job.index, fps, self.options.silence_db):
            return self._audio.silence()
        return self._audio.window(job.index, fps)

    def generate(self, jobs: Sequence[RenderJob], crops: Sequence[np.ndarray]) -> np.ndarray:
        """RGB ``float32 (B, 256, 256, 3)`` in 0..255 for the RGB ``uint8`` 256x256 ``crops``."""
        images = np.stack(crops).astype(np.float32) / 127.5 - 1.0  # (B, 256, 256, 3), [-1, 1]
        images = images.transpose(0, 3, 1, 2)
        masked = images.copy()
        masked[:, :, CROP // 2 :] = -1.0  # the lower half set to black, as MuseTalk masks it
        gaps = [mouth_openness(j.face) for j in jobs]
        fresh = [i for i, j in enumerate(jobs) if self._wants_reference(j, gaps[i])]
        latents = self.session.encode_image(np.concatenate([masked, images[fresh]]))
        n = len(jobs)
        own: dict[int, np.ndarray] = {}
        for slot, i in enumerate(fresh):
            latent = latents[n + slot]
            own[i] = latent
            track = jobs[i].face.track_id
            if track >= 0 and self._wants_reference(jobs[i], gaps[i]):
                self._references[track] = (gaps[i], latent)
        references = np.stack([
            self._references[j.face.track_id][1] if j.face.track_id in self._references
            else own[i] for i, j in enumerate(jobs)
        ])  # fmt: skip
        audio = np.stack([self.audio_window(j) for j in jobs])
        predicted = self.session.unet(np.concatenate([latents[:n], references], axis=1), audio)
        decoded = self.session.decode(predicted)  # (B, 3, 256, 256), about [-1, 1]
        return np.clip(decoded / 2 + 0.5, 0.0, 1.0).transpose(0, 2, 3, 1) * 255.0

    def _wants_reference(self, job: RenderJob, gap: float) -> bool:
        track = job.face.track_id
        if track < 0 or track not in self._references:
            return True
        return gap < self._references[track][0] - REFERENCE_MARGIN


def _put(job: RenderJob, box: FaceBox, _crop: np.ndarray, out: np.ndarray) -> np.ndarray:
    return paste(job.image, job.face, box, out, float(job.strength))


def create_renderer(model: str | None) -> MuseTalkRenderer:
    """The ``musetalk`` renderer with the export folder in ``model`` (``--model``);
    :class:`InputError` naming ``--model`` and ``lipsync models export musetalk`` when it is
    missing or not a MuseTalk export."""
    options = MuseTalkOptions.from_env()
    return MuseTalkRenderer(open_musetalk(model), options)
