"""Preflight: will this shot lip-sync well? Every check on a video and its dub audio, before
the long render.

Two depths:

- :func:`run_preflight` (``lipsync check``): the picture at
  :data:`~lipsync.core.quality.sampling.DEFAULT_SAMPLES_PER_SECOND` frames a second, plus every
  audio check and the lengths;
- :func:`quick_preflight` (the fast subset that ``lipsync sync``, ``lipsync-filter`` and the
  translation pipeline run first): at most :data:`QUICK_SAMPLES` frames, without the head
  motion check; either input may be missing (a pipe has no video file; a video may come
  without its dub yet).

Neither blocks anything: the caller decides what a failed check means
(:func:`raise_on_failure` for ``--strict``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lipsync.core.constants import SPEECH_SAMPLE_RATE
from lipsync.core.errors import InputError
from lipsync.core.media.probe import Truncation
from lipsync.core.progress import ProgressCallback
from lipsync.core.quality.checks import FAIL, PASS, WARN, Check, time_range, worst

QUICK_SAMPLES = 12  # frames looked at by the quick check, spread over the video
QUICK_PER_SECOND = 1.0  # frames/s of the quick check on short videos
LENGTH_TOLERANCE = 0.1  # s; audio and video lengths closer than this match
SPEECH_SHORT_WARN = 1.0  # s; a video running on longer than this after the speech is flagged
OVERLAP_FAIL = 0.5  # share of the speech inside the video below which the pair is wrong
STAGE_VIDEO = "Checking the picture"
STAGE_AUDIO = "Checking the sound"


class PreflightError(InputError):
    """A preflight check failed and the run was asked to stop on failures (``--strict``)."""


@dataclass(frozen=True)
class PreflightReport:
    """The checks of one video and/or audio. ``quick``: the fast subset; ``seconds``: how long
    the checks took; ``fps``: the video's frame rate (None without a video)."""

    video: str | None
    audio: str | None
    checks: tuple[Check, ...]
    quick: bool
    seconds: float
    fps: float | None = None

    @property
    def status(self) -> str:
        """The worst status of all checks."""
        return worst(c.status for c in self.checks)

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.status == FAIL)

    @property
    def problems(self) -> tuple[Check, ...]:
        """Checks that warn or fail, in report order."""
        return tuple(c for c in self.checks if c.status != PASS)

    def check(self, name: str) -> Check:
        """The check called ``name`` (``KeyError`` if it did not run)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "video": self.video,
            "audio": self.audio,
            "quick": self.quick,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "checks": [c.to_json() for c in self.checks],
        }


def check_lengths(video_duration: float, audio_duration: float, fps: float | None) -> Check:
    """Speech past the video's end is cut; a video running on long after it rests the mouth."""
    over = audio_duration - video_duration
    values = {"video_seconds": video_duration, "audio_seconds": audio_duration}
    base = dict(name="lengths", title="Audio and video lengths", group="timing", values=values)
    lengths = f"audio {audio_duration:.2f} s, video {video_duration:.2f} s"
    if over > LENGTH_TOLERANCE:
        inside = video_duration / audio_duration if audio_duration > 0 else 0.0
        return Check(
            **base,
            status=FAIL if inside < OVERLAP_FAIL else WARN,
            message=f"The audio is {over:.2f} s longer than the video ({lengths}).",
            advice=f"The last {over:.2f} s of speech will be cut: trim the dub or extend the "
            "video; check they belong together.",
            ranges=(time_range(video_duration, audio_duration, None),),
        )
    if -over > SPEECH_SHORT_WARN:
        return Check(
            **base,
            status=WARN,
            message=f"The video runs {-over:.2f} s past the end of the audio ({lengths}).",
            advice="The mouth rests closed after the speech: check the dub is complete and "
            "starts at the video's first frame.",
            ranges=(time_range(audio_duration, video_duration, fps),),
        )
    return Check(**base, status=PASS, message=f"Lengths match ({lengths}).")


def check_truncation(cut: Truncation, fps: float | None) -> Check:
    """A video that stops before its declared end (a cut copy) fails: ``lipsync sync`` refuses
    it unless asked to lip-sync the part that is there."""
    declared = cut.declared_end - cut.start
    return Check(
        name="truncated",
        title="Whole file",
        group="video",
        status=FAIL,
        message=f"The video is truncated: its pictures stop at {cut.found_duration:.2f} s but "
        f"its container says {declared:.2f} s.",
        advice="Copy or export the file again (`lipsync sync --allow-truncated` lip-syncs "
        "the part that is there).",
        ranges=(time_range(cut.found_duration, declared, fps),),
        values={"found_seconds": cut.found_duration, "declared_seconds": declared},
    )


def run_preflight(
    video: str | Path | None,
    audio: str | Path | np.ndarray | None = None,
    *,
    sample_rate: int = SPEECH_SAMPLE_RATE,
    per_second: float | None = None,
    max_samples: int | None = None,
    video_duration: float | None = None,
    quick: bool = False,
    on_progress: ProgressCallback | None = None,
) -> PreflightReport:
    """Every check of ``video`` (a file, or None) and ``audio`` (a file, ``float32 (n,)``
    samples at ``sample_rate`` Hz, or None).

    ``per_second``: frames sampled a second (default
    :data:`~lipsync.core.quality.sampling.DEFAULT_SAMPLES_PER_SECOND`); ``max_samples`` caps
    them; ``video_duration`` (s) stands in for a missing video file in the lengths check;
    ``on_progress(stage, done, total)``. Media errors propagate as
    :class:`~lipsync.core.errors.MediaError`.
    """
    from lipsync.core.media import check_input_path, load_audio
    from lipsync.core.media.audio import check_audio_samples
    from lipsync.core.media.probe import find_truncation
    from lipsync.core.quality.checks_audio import audio_checks, measure_audio

    if video is None and audio is None:
        raise InputError("Nothing to check: give a video, an audio, or both.")
    started = time.perf_counter()
    report = on_progress or (lambda stage, done, total: None)
    if video is not None:
        check_input_path(video, "video")
    if audio is not None and not isinstance(audio, np.ndarray):
        check_input_path(audio, "audio")  # fail before the long part, not after
        check_audio_samples(audio, "audio")  # no sound, or samples that are not numbers
    checks: list[Check] = []
    fps = None
    cut = find_truncation(video) if video is not None else None
    if video is not None:  # (a pipe's check has none: its modules are not imported)
        from lipsync.core.quality.checks_video import video_checks
        from lipsync.core.quality.sampling import DEFAULT_SAMPLES_PER_SECOND, sample_video

        samples = sample_video(
            video,
            per_second or DEFAULT_SAMPLES_PER_SECOND,
            max_samples,
            lambda done, total: report(STAGE_VIDEO, done, total),
        )
        if not samples.frames:
            raise InputError(f"The video '{video}' has no frames that can be decoded.")
        fps = samples.fps
        video_duration = samples.duration
        if cut is not None:
            checks.append(check_truncation(cut, fps))
            video_duration = min(video_duration, cut.found_duration)
        checks += video_checks(samples)
    audio_name = None
    if audio is not None:
        report(STAGE_AUDIO, 0, 2)
        if isinstance(audio, np.ndarray):
            pcm, rate = audio, sample_rate
        else:
            pcm, rate, audio_name = load_audio(audio, SPEECH_SAMPLE_RATE), SPEECH_SAMPLE_RATE, audio
        report(STAGE_AUDIO, 1, 2)
        measures = measure_audio(pcm, rate, in_place=audio_name is not None)  # pcm is ours
        checks += audio_checks(measures, fps)
        if video_duration is not None:
            checks.append(check_lengths(video_duration, measures.duration, fps))
        report(STAGE_AUDIO, 2, 2)
    return PreflightReport(
        video=None if video is None else str(video),
        audio=None if audio_name is None else str(audio_name),
        checks=tuple(checks),
        quick=quick,
        seconds=time.perf_counter() - started,
        fps=fps,
    )


def quick_preflight(
    video: str | Path | None,
    audio: str | Path | np.ndarray | None,
    *,
    sample_rate: int = SPEECH_SAMPLE_RATE,
    video_duration: float | None = None,
    on_progress: ProgressCallback | None = None,
) -> PreflightReport:
    """The fast subset, to run before a render: every check, the picture on at most
    :data:`QUICK_SAMPLES` frames (one a second on short videos) and without head motion.

    ``video``: a file or None (e.g. frames arriving on a pipe); ``audio``: a file,
    ``float32 (n,)`` samples at ``sample_rate`` Hz, or None; ``video_duration`` (s): the
    video's length when there is no file, for the lengths check.
    """
    return run_preflight(
        video,
        audio,
        sample_rate=sample_rate,
        per_second=QUICK_PER_SECOND,
        max_samples=QUICK_SAMPLES,
        video_duration=video_duration,
        quick=True,
        on_progress=on_progress,
    )


def format_check(check: Check) -> str:
    """One check as one line for a terminal or a log: status, title, finding, ranges, advice."""
    text = f"{check.status.upper():4}  {check.title}: {check.message}"
    if check.status != PASS and check.ranges:
        text += f" At {check.describe_ranges()}."
    if check.advice:
        text += f" {check.advice}"
    return text


def raise_on_failure(report: PreflightReport) -> None:
    """Raise :class:`PreflightError` naming the failed checks, if any (``--strict``)."""
    failed = report.failed
    if not failed:
        return
    what = "; ".join(f"{c.title.lower()}: {c.message.rstrip('.')}" for c in failed)
    raise PreflightError(
        f"The preflight check failed ({what}); fix the input, or run without --strict to "
        "lip-sync anyway."
    )


__all__ = [
    "FAIL",
    "PASS",
    "WARN",
    "PreflightError",
    "PreflightReport",
    "check_lengths",
    "check_truncation",
    "format_check",
    "quick_preflight",
    "raise_on_failure",
    "run_preflight",
]
