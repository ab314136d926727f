"""The learned renderer ``wav2lip``: a Wav2Lip generator (ONNX) redraws the lower face.

``get_renderer("wav2lip", model="wav2lip.onnx")`` loads an export made by
``lipsync models export wav2lip CKPT -o wav2lip.onnx`` and runs it with onnxruntime (CUDA when
onnxruntime-gpu and a GPU are present, the CPU otherwise). The engine drives it through the
renderer hooks:

1. ``prepare(speech, 16000, fps)`` computes Wav2Lip's mel spectrogram of the whole speech
   once (time 0 = the first frame);
2. ``bounds(face)`` gives the part of the frame the crop reads (a square around the face);
3. ``render_batch(jobs)`` crops every face (:mod:`~lipsync.core.render.wav2lip_paste`: a
   square box with Wav2Lip's bottom padding, smoothed over the track), masks the lower half,
   runs the generator on up to ``batch_size`` faces at once with the 16 mel frames starting at
   ``int(80 * index / fps)``, and pastes each 96x96 result back with a feathered lower-face
   mask and colour matching; ``strength`` scales the mask.

The audio drives the mouth; the ``target`` mouth state of the job is not used. Frames without
a face never reach a renderer: the engine passes them through.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from lipsync.core.errors import InputError, ProcessingError
from lipsync.core.models.wav2lip_audio import SAMPLE_RATE, mel_window, melspectrogram
from lipsync.core.models.wav2lip_session import Wav2LipSession, open_wav2lip
from lipsync.core.render.appearance import TrackAppearance
from lipsync.core.render.crop_batches import redraw_in_batches
from lipsync.core.render.registry import RenderJob
from lipsync.core.render.warp import check_frame
from lipsync.core.render.wav2lip_paste import (
    BOUNDS_MARGIN,
    MIN_SIDE,
    SIDE_PER_SCALE,
    SIZE,
    CropBox,
    SideSmoother,
    crop,
    crop_box,
    face_scale,
    paste,
    to_model_size,
)
from lipsync.core.types import FaceObservation

logger = logging.getLogger("lipsync")


def _resample(speech: np.ndarray, rate: int) -> np.ndarray:
    """``speech`` at ``rate`` Hz brought to 16 kHz (polyphase filter)."""
    from math import gcd

    from scipy.signal import resample_poly

    g = gcd(int(rate), SAMPLE_RATE)
    return resample_poly(speech, SAMPLE_RATE // g, int(rate) // g).astype(np.float32)


class Wav2LipRenderer:
    """Re-renders the lower face with a Wav2Lip generator driven by the speech itself."""

    name = "wav2lip"

    def __init__(self, session: Wav2LipSession) -> None:
        self.session = session
        self.batch_size = session.batch_size
        self._mel: np.ndarray | None = None
        self._fps = 25.0
        self._sides = SideSmoother()

    # --- hooks ------------------------------------------------------------------------------

    def forget(self, track_id: int) -> None:
        """Track ``track_id`` has ended: let go of its crop sides."""
        self._sides.forget(track_id)

    def prepare(self, speech: np.ndarray, sample_rate: int, fps: float) -> None:
        """Compute the features of the whole ``speech`` (``float32 (n,)`` mono at
        ``sample_rate`` Hz; time 0 = the first frame) for video at ``fps`` frames/s."""
        samples = np.asarray(speech, dtype=np.float32)
        if samples.ndim == 2:
            samples = samples.mean(axis=1)
        if samples.ndim != 1:
            raise InputError(f"The speech must be mono samples (n,), got shape {samples.shape}.")
        if not (np.isfinite(fps) and fps > 0):
            raise InputError(f"The frame rate {fps} is not a rate: give frames per second > 0.")
        if int(sample_rate) != SAMPLE_RATE:
            samples = _resample(samples, int(sample_rate))
        self._mel = melspectrogram(samples)
        self._fps = float(fps)
        self._sides.reset()
        logger.debug("wav2lip: %d mel frames for %.2f s of speech", self._mel.shape[1],
                     samples.shape[0] / SAMPLE_RATE)  # fmt: skip

    def bounds(self, face: FaceObservation) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) px of the frame this renderer reads and may change for ``face``:
        its crop box with room for the smoothed box to move."""
        return crop_box(face).grown(BOUNDS_MARGIN)

    def render_batch(self, jobs: Sequence[RenderJob]) -> list[np.ndarray]:
        """The new images of ``jobs`` in order (any number; run ``batch_size`` at a time).

        Each image is a copy of ``job.image`` with the face's lower face redrawn to the speech
        at ``job.index`` (frames counted from 0 at ``job.fps``)."""
        if self._mel is None:
            raise ProcessingError(
                "The wav2lip renderer was not given the speech: call prepare(speech, "
                "sample_rate, fps) before rendering."
            )
        return redraw_in_batches(jobs, self._plan, self._generate, _put, self.batch_size)

    def _plan(self, job: RenderJob) -> tuple[CropBox, np.ndarray] | None:
        check_frame(job.image)
        side = self._sides(job.face.track_id, job.index, SIDE_PER_SCALE * face_scale(job.face))
        box = crop_box(job.face, side)
        if float(np.clip(job.strength, 0.0, 1.0)) <= 0.0 or box.side < MIN_SIDE:
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
        """Not available alone: Wav2Lip needs each frame's time in the speech, which only
        :meth:`render_batch` receives (the engine calls it)."""
        raise ProcessingError(
            "The wav2lip renderer renders from the speech at each frame's time: use "
            "render_batch with RenderJobs (the engine does), not render()."
        )

    # --- inference --------------------------------------------------------------------------

    def _generate(self, jobs: Sequence[RenderJob], crops: Sequence[np.ndarray]) -> np.ndarray:
        """RGB ``float32 (B, 96, 96, 3)`` in 0..255 for the RGB ``uint8`` 96x96 ``crops``."""
        assert self._mel is not None
        bgr = np.stack(crops)[:, :, :, ::-1].astype(np.float32) / 255.0  # (B, 96, 96, 3)
        masked = bgr.copy()
        masked[:, SIZE // 2 :] = 0.0
        face = np.concatenate([masked, bgr], axis=3).transpose(0, 3, 1, 2)  # (B, 6, 96, 96)
        mel = np.stack([mel_window(self._mel, j.index, j.fps or self._fps) for j in jobs])
        out = self.session.run(mel[:, None], face)  # (B, 3, 96, 96) BGR 0..1
        return out.transpose(0, 2, 3, 1)[:, :, :, ::-1] * 255.0


def _put(job: RenderJob, box: CropBox, source96: np.ndarray, out: np.ndarray) -> np.ndarray:
    return paste(job.image, job.face, box, source96, out, job.strength)


def create_renderer(model: str | None) -> Wav2LipRenderer:
    """The ``wav2lip`` renderer with the ONNX export in ``model`` (``--model``);
    :class:`InputError` naming ``--model`` and ``lipsync models export`` when it is missing
    or not a Wav2Lip export."""
    return Wav2LipRenderer(open_wav2lip(model))
