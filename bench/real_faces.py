"""Lip sync of each renderer on real people with real voices, measured by dlib against the truth.

Every renderer of ``--renderers`` runs on the same inputs in one run.

True mouth (clips whose own speech is in sync: retalking_face1, retalking_face3), as in
``../shared/real-clips/README.md``: reverse the frames (``rev.mp4``), lip-sync them to the clip's
own speech, and compare the output's mouth with the real speaker's frame by frame: Pearson r of
the inner-lip aperture (lag 0 and the best lag within +-3 frames), LMD (mean distance of the 20
lip points, centred and in inter-ocular distances, IOD); ``rev.mp4`` itself is the chance level.

Cross-dubs (the other clips, cut to ``--seconds``): each video with another clip's speech and
with espeak-ng speech (no sidecar: the audio-only path). No true mouth there, so r is against the
exact phoneme openness (espeak-ng) or the speech's loudness (dB), and the input's own mouth is
the chance level.

Each case's inputs are made once and lip-synced once per renderer (``lipsync sync --renderer
NAME``, the options after ``--`` added to every run); every output is measured the same way in
one decoding pass with the real footage and the input. Every case and renderer also reports: the
aperture in pauses (>= 0.3 s over 30 dB under the speech) against the speaker's rest (20th
percentile of the input's own aperture), the mouth region's sharpness (variance of the
Laplacian, output / input, frame by frame; and shape-matched: over the input frames whose
mouth is open the most like the output's, which does not count teeth the dub hides as blur;
see :func:`log_mean` and :func:`shape_matched_sharpness` for how they are averaged and which
frames count), the PSNR outside a generous lower-face box
(output vs input: minimum frame and mean), and the flicker.

The inputs are made with x264 at CRF :data:`INPUT_CRF` (10), and lipsync writes its outputs at
the same CRF unless ``--crf`` (or a ``--crf`` after ``--``) says otherwise, so the sharpness
ratio compares a rendered mouth with footage encoded alike; for the same reason the outputs are
written with x264's tune ``none`` (the inputs' own) unless ``--tune`` says otherwise: lipsync's
default tune for lossy x264, ``film``, adds texture above the input at CRF 10 (untouched footage
re-encoded reads 1.08-1.28 of its input). At lipsync's default CRF 18 the
encoder alone, with nothing rendered, keeps 0.84-0.98 of the mouth's sharpness of these inputs
(``bench/encode_sharpness.py``): figures measured at CRF 18 say as much about x264 as about
the renderer.

Flicker (issue 20: "frame-to-frame change in the mouth region within 1.2x that of the real
footage"): in every frame of a video, the box of 1.4 x 1.0 IOD centred on the mean of that
frame's own dlib lip points 48-67 (rounded to whole pixels, edge pixels repeated outside the
frame) is converted to grey (0..255) and resampled by pixel area to 64 x 48 px; a frame's change
is the mean absolute difference of its box and the previous frame's, over the 64 x 48 pixels
(left out where either frame has no face); a video's flicker is the mean change over its frames.
It is measured on each output and on the real footage (the true clip for a true-mouth case, the
input for a cross-dub), and the figure is their ratio, output / real. The real footage's change
holds its own motion (speech, head movement, dlib's jitter), so a render that only follows the
real mouth scores near 1, and one whose mouth pops between frames scores above it. On a
cross-dub the new speech may move the mouth more than the footage's own speech did (and a
variable-rate clip made constant repeats frames, which change by 0), so there the ratio also
counts the new speech's motion: it is the true-mouth cases' ratio that isolates flicker.

It prints a table (one row per case and renderer; the real/input and chance figures on a case's
first row) and the acceptance of issues 19 and 20 per renderer, and writes ``real_faces.json``
(every figure and series, per renderer), a contact sheet PNG per case (mouth crops over time:
real / input / one row per renderer whose run succeeded), the media under ``--out`` and, with
``--markdown FILE``, the table as Markdown.

    .venv/bin/python bench/real_faces.py [--clips retalking_face1,musetalk_sun] [--seconds 5]
        [--renderers warp,exemplar,auto] [--out bench/out/real_faces] [--shared ../shared]
        [--lipsync CMD] [--crf 10] [--tune none] [--measure-only] [--markdown FILE]
        [-- SYNC OPTIONS]
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import real_faces_report as report
import true_mouth as tm
from benchtools import exe, ffmpeg

from lipsync.core.media import iter_frames, load_audio, save_audio
from lipsync.core.speech import analyse_speech, synthesize
from lipsync.core.speech.phone_events import PhoneEvents, PhonemeEvent, shift_events

RATE = 16000  # Hz; the speech given to lipsync and measured here
SHEET_TILES, SHEET_STEP = 24, 2  # mouth crops per sheet row, every this many frames
SHEET_LEN = SHEET_TILES * SHEET_STEP  # frames a sheet spans
ROW_NAMES = {"truth": "real", "input": "input"}  # sheet rows; then one per renderer
DEFAULT_RENDERERS = "warp,auto"
INPUT_CRF = 10  # x264 quality of the inputs made here, and of lipsync's outputs by default
MATCH_SHARE, MATCH_MIN = 0.1, 5  # shape-matched sharpness: input frames nearest in aperture
MATCH_RANGE = (2.0, 98.0)  # percentiles of the input's aperture an output frame must lie in
ESPEAK_VOICE = "en-us"
ESPEAK_LINES = (
    "Bob bought a map, and Pam made more maps for Mom.",
    "Who knew the blue moon would move so soon?",
    "Maybe the baby will sleep better in the morning.",
    "Please keep the window open when we leave.",
)
ESPEAK_LEAD, ESPEAK_GAP = 0.6, 0.8  # s of silence before the first line and between lines


@dataclass(frozen=True)
class Case:
    """One measured run: ``video`` (clip stem) lip-synced to ``audio`` (a file of the clips
    folder, "espeak" for a sentence made here, None for the clip's own speech)."""

    name: str
    video: str
    kind: str  # "true" (true mouth), "dub" (another clip's speech) or "espeak"
    audio: str | None = None


CASES = (
    Case("retalking_face1", "retalking_face1", "true"),
    Case("retalking_face3", "retalking_face3", "true"),
    Case("latentsync_demo1+demo1_audio", "latentsync_demo1", "dub", "latentsync_demo1_audio.wav"),
    Case("latentsync_demo1+eng", "latentsync_demo1", "dub", "musetalk_eng.wav"),
    Case("latentsync_demo2+demo2_audio", "latentsync_demo2", "dub", "latentsync_demo2_audio.wav"),
    Case("latentsync_demo3+demo3_audio", "latentsync_demo3", "dub", "latentsync_demo3_audio.wav"),
    Case("musetalk_sun+eng", "musetalk_sun", "dub", "musetalk_eng.wav"),
    *(
        Case(f"{v}+espeak", v, "espeak", "espeak")
        for v in ("latentsync_demo1", "latentsync_demo2", "latentsync_demo3", "musetalk_sun")
    ),
)
ONLY_ON_REQUEST = (
    Case("musetalk_yongen_drawn+espeak", "musetalk_yongen_drawn", "espeak", "espeak"),
)


def progress(text: str) -> None:
    """A progress line on a terminal only."""
    if sys.stderr.isatty():
        print(f"\r\033[K{text}", end="", file=sys.stderr, flush=True)


def base_rate(path: Path) -> str:
    """The video's base frame rate as ffmpeg writes it (``30/1``, ``30000/1001``)."""
    with av.open(str(path)) as container:
        rate = container.streams.video[0].base_rate or container.streams.video[0].average_rate
    return f"{rate.numerator}/{rate.denominator}"


def constant_rate(src: Path, dest: Path, seconds: float | None, reverse: bool = False) -> Path:
    """``src``'s picture at its base rate with constant frame times from 0 (a variable-rate
    clip holds each frame until the next, as a player shows it), optionally cut and reversed."""
    vf = f"fps={base_rate(src)}:start_time=0" + (",reverse" if reverse else "")
    cut = ["-t", f"{seconds:g}"] if seconds else []
    ffmpeg(
        "-i",
        str(src),
        *cut,
        "-an",
        "-vf",
        vf,
        "-c:v",
        "libx264",
        "-crf",
        str(INPUT_CRF),
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        str(dest),
    )
    return dest


def espeak_speech(path: Path, seconds: float) -> PhoneEvents:
    """English espeak-ng lines with pauses, about ``seconds`` long, at ``path`` (no sidecar, so
    lipsync analyses the audio alone); returns the exact phoneme events."""
    lines = [synthesize(ESPEAK_LINES[0], voice=ESPEAK_VOICE)]
    rate = lines[0].sample_rate
    parts: list[np.ndarray] = [np.zeros(int(ESPEAK_LEAD * rate), np.float32)]
    events: list[PhonemeEvent] = []
    at = parts[0].shape[0]
    while not events or at / rate < seconds - 1.0:
        syn = (
            lines.pop()
            if lines
            else synthesize(ESPEAK_LINES[len(parts) // 2 % len(ESPEAK_LINES)], voice=ESPEAK_VOICE)
        )
        events += shift_events(syn.events.events, at)
        gap = np.zeros(int(ESPEAK_GAP * rate), np.float32)
        parts += [syn.samples.astype(np.float32), gap]
        at += syn.samples.shape[0] + gap.shape[0]
    samples = np.concatenate(parts)
    save_audio(path, samples, rate)
    return PhoneEvents(tuple(events), rate, samples.shape[0])


def run_lipsync(cmd: list[str], video: Path, audio: Path, out: Path, extra: list[str]) -> float:
    """Wall seconds of ``CMD -q sync video audio -o out EXTRA`` (RuntimeError: it failed)."""
    t0 = time.perf_counter()
    argv = [*cmd, "-q", "sync", str(video), str(audio), "-o", str(out), *extra]
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited {proc.returncode}: {proc.stderr[-800:]}")
    return time.perf_counter() - t0


@dataclass
class Scan:
    """One decoding pass over the videos of a case (in lockstep): frame times ``float64 (N,)``,
    per video dlib's points per frame, the mouth crop of every frame and the flicker change of
    every frame (``float64 (N,)``, NaN for frame 0 and where a face is missing), per output
    (renderer) the mean squared error outside the lower face (output vs input) per frame, and
    ``sharp``: per video, the sharpness of the input's mouth box in every frame (``float64
    (N,)``, NaN before the first face); ``sharp_own``: per output, the sharpness of
    its own mouth's box (dlib's points on the output; NaN where it finds no face)."""

    times: np.ndarray
    points: dict[str, list]
    crops: dict[str, list]
    changes: dict[str, np.ndarray]
    mse: dict[str, np.ndarray]
    sharp: dict[str, np.ndarray]
    sharp_own: dict[str, np.ndarray]

    def sharpness_ratio(self, name: str) -> np.ndarray:
        """Video ``name``'s mouth sharpness over the input's, per frame with a known face."""
        known = np.isfinite(self.sharp["input"])
        return self.sharp[name][known] / np.maximum(self.sharp["input"][known], 1e-9)


def scan(paths: dict[str, Path], outputs: list[str], what: str) -> Scan:
    """:class:`Scan` of ``paths`` ("truth" for a true-mouth case, "input", and each name of
    ``outputs``). The outputs' sheet crops, mouth boxes and lower-face boxes come from the
    input's points (the same picture region), the last ones dlib found where it finds no face
    (the whole frame before the first face); the flicker boxes come from each video's own."""
    marks = {name: tm.Landmarker() for name in paths}
    points: dict[str, list] = {name: [] for name in paths}
    crops: dict[str, list] = {name: [] for name in paths}
    changes: dict[str, list] = {name: [] for name in paths}
    boxes: dict[str, np.ndarray | None] = {name: None for name in paths}
    mses: dict[str, list] = {name: [] for name in outputs}
    sharp: dict[str, list] = {name: [] for name in paths}
    own: dict[str, list] = {name: [] for name in outputs}
    times, known = [], None
    readers = [iter_frames(p) for p in paths.values()]
    for k, frames in enumerate(zip(*readers, strict=False)):
        progress(f"{what}: dlib on frame {k}")
        times.append(frames[0].time)
        by = {name: f.image for name, f in zip(paths, frames, strict=True)}
        for name, image in by.items():
            pts = marks[name].points(image)
            points[name].append(pts)
            box = tm.flicker_crop(image, pts)
            changes[name].append(tm.frame_change(boxes[name], box))
            boxes[name] = box
        known = points["input"][-1] if points["input"][-1] is not None else known
        for name, image in by.items():
            crops[name].append(tm.mouth_crop(image, points[name][-1] if name == "truth" else known))
        face = None
        for name in sharp:
            sharp[name].append(float("nan"))
        if known is not None:
            mouth = tm.mouth_box(known, by["input"].shape)
            for name in sharp:
                sharp[name][-1] = tm.sharpness(by[name], mouth)
            face = tm.lower_face_box(known, by["input"].shape)
        for name in outputs:
            mses[name].append(tm.mse_outside(by["input"], by[name], face))
            pts = points[name][-1]  # its own mouth's box, as the input's is its own
            mine = tm.mouth_box(pts, by[name].shape) if pts is not None else None
            own[name].append(tm.sharpness(by[name], mine) if mine is not None else float("nan"))
    return Scan(
        np.array(times),
        points,
        crops,
        {name: np.array(c, np.float64) for name, c in changes.items()},
        {name: np.array(m) for name, m in mses.items()},
        {name: np.array(v, np.float64) for name, v in sharp.items()},
        {name: np.array(v, np.float64) for name, v in own.items()},
    )


def log_mean(ratios: np.ndarray) -> float | None:
    """The geometric mean of ``ratios`` (``float64 (N,)``, > 0), None when empty: ratios are
    averaged as logarithms. Their plain mean is not 1 for footage that only changes order:
    the real footage of a true-mouth case over its reversal (the same frames, each compared
    with another) measured 1.10 and 1.11 by the plain mean on retalking_face1 and face3, and
    1.04 and 1.01 by this one (a frame half as sharp and one twice as sharp average 1.25 by
    the plain mean, 1 by this). The input itself, shape-matched: 0.98-1.00 by this mean,
    0.99-1.04 by the plain one."""
    ratios = ratios[np.isfinite(ratios) & (ratios > 0)]
    return float(np.exp(np.mean(np.log(ratios)))) if ratios.size else None


def shape_matched_sharpness(
    sharp_out: np.ndarray, ap_out: np.ndarray, sharp_in: np.ndarray, ap_in: np.ndarray
) -> tuple[float | None, float]:
    """The output's mouth sharpness over the input's at the same opening, and the share of
    the output's frames that have one. Per output frame whose aperture lies within the
    input's own (between its :data:`MATCH_RANGE` percentiles), its sharpness over the median
    sharpness of the input frames whose mouth is open the most like it (the
    :data:`MATCH_SHARE` of input frames, at least :data:`MATCH_MIN`, nearest in dlib's
    aperture); :func:`log_mean` over those frames (None without any). The plain ratio
    compares each frame with the input frame it replaces, whose mouth may hold other things
    (teeth where the dub closes the lips: less detail for a clean render, not a blur); this
    one compares it with the same speaker's own mouth at that opening, each in its own
    mouth's box (in the input's, a mouth the dub closes where the input's was open fills less
    of the box, and the skin around it counted as blur: 0.89 against 0.97 for the warp on
    latentsync_demo1 with espeak-ng speech). A mouth the speaker never makes has no such
    frames: musetalk_sun shows her teeth in every frame, and her lips closed by espeak-ng
    speech (half the frames, unblurred by eye) were compared with her least open mouth,
    teeth and all: 0.83 of its sharpness, against 0.95 for the frames with a match.
    ``float64 (N,)`` each: sharpness (NaN: no face) and aperture (IOD, NaN: none) per frame."""
    pool = np.isfinite(sharp_in) & np.isfinite(ap_in)
    frames = np.isfinite(sharp_out) & np.isfinite(ap_out)
    if pool.sum() < MATCH_MIN or not frames.any():
        return None, 0.0
    ref_ap, ref_sharp = ap_in[pool], sharp_in[pool]
    low, high = np.percentile(ref_ap, MATCH_RANGE)
    matched = frames & (ap_out >= low) & (ap_out <= high)
    k = max(MATCH_MIN, round(MATCH_SHARE * ref_ap.size))
    ratios = []
    for s, a in zip(sharp_out[matched], ap_out[matched], strict=True):
        nearest = np.argpartition(np.abs(ref_ap - a), k - 1)[:k]
        ratios.append(s / max(float(np.median(ref_sharp[nearest])), 1e-9))
    return log_mean(np.array(ratios, np.float64)), float(matched.sum() / frames.sum())


def spread(series: np.ndarray) -> dict[str, float]:
    ok = series[np.isfinite(series)]
    if not ok.size:
        return {"mean": float("nan"), "p5": float("nan"), "p95": float("nan")}
    return {
        "mean": float(ok.mean()),
        "p5": float(np.percentile(ok, 5)),
        "p95": float(np.percentile(ok, 95)),
    }


def nanmean(series: np.ndarray) -> float:
    ok = series[np.isfinite(series)]
    return float(ok.mean()) if ok.size else float("nan")


def prepare(case: Case, work: Path, clips: Path, seconds: float, media: bool = True):
    """The videos (``truth`` for a true-mouth case, ``input``), the speech and its exact
    phoneme events (espeak-ng) of ``case`` in ``work``; ``media=False`` only names the files
    made by an earlier run (the espeak-ng events are made again, they are the same)."""
    src = clips / f"{case.video}.mp4"
    work.mkdir(parents=True, exist_ok=True)
    speech, events = work / "speech.wav", None
    paths = {"truth": work / "truth.mp4", "input": work / "rev.mp4"}
    if case.kind != "true":
        paths = {"input": work / "input.mp4"}
        if case.audio == "espeak":
            events = espeak_speech(speech if media else work / "espeak_again.wav", seconds)
    if not media:
        lacking = [p.name for p in (*paths.values(), speech) if not p.is_file()]
        if lacking:
            raise RuntimeError(f"{work} lacks {', '.join(lacking)}: run without --measure-only")
        return paths, speech, events
    progress(f"{case.name}: preparing")
    if case.kind == "true":
        constant_rate(src, paths["truth"], None)
        constant_rate(paths["truth"], paths["input"], None, reverse=True)
        ffmpeg("-i", str(src), "-vn", "-ac", "1", "-ar", str(RATE), str(speech))
    else:
        constant_rate(src, paths["input"], seconds)
        if case.audio != "espeak":
            cut = ["-t", f"{seconds:g}", "-ac", "1", "-ar", str(RATE)]
            ffmpeg("-i", str(clips / case.audio), *cut, str(speech))
    return paths, speech, events


def output_path(work: Path, renderer: str) -> Path:
    """Where the output of ``renderer`` goes in a case's ``work`` folder."""
    return work / f"out_{renderer}.mp4"


def measure(case: Case, paths: dict[str, Path], outputs: list[str], speech: Path, events, sheet):
    """Every figure and series of one ``case`` lip-synced by each renderer of ``outputs``
    (``paths`` names the videos, the outputs under the renderers' names) as a dict, the
    renderers' own under ``renderers``; its contact sheet at ``sheet``."""
    seen = scan(paths, outputs, case.name)
    points, times = seen.points, seen.times
    n = len(times)
    fps = float(Fraction(base_rate(paths["input"])))
    ap = {name: np.array([tm.aperture(p) for p in pts]) for name, pts in points.items()}
    samples = load_audio(speech, sample_rate=RATE)
    db = tm.loudness_db(samples, RATE, times, fps)
    envelope = np.maximum(db, np.percentile(db, 95) - 50)  # digital silence is not -120 dB "more"
    if case.kind == "true":
        reference, ref_name = ap["truth"], "mouth"
    elif events is not None:
        track = analyse_speech(samples, RATE, fps, frame_times=times, espeak_events=events)
        reference, ref_name = track.param("open").astype(np.float64), "phones"
    else:
        reference, ref_name = envelope, "loudness"
    real = "truth" if case.kind == "true" else "input"
    flicker = {name: nanmean(c) for name, c in seen.changes.items()}
    pause = tm.pause_frames(db, fps)
    fig = {
        "case": case.name,
        "kind": case.kind,
        "video": case.video,
        "audio": case.audio or "own",
        "frames": n,
        "fps": fps,
        "reference": ref_name,
        "r_chance": tm.lagged(ap["input"], reference, 0),
        "r_chance_best": tm.best_lag(ap["input"], reference, 3)[0],
        "faces": {name: float(np.isfinite(ap[name]).mean()) for name in ROW_NAMES if name in ap},
        "aperture": {name: spread(ap[name]) for name in ROW_NAMES if name in ap},
        "flicker_real": flicker[real],
        "flicker_input": flicker["input"],
        "pause_frames": int(pause.sum()),
    }
    if case.kind == "true":
        fig["lmd_chance"] = tm.lmd(points["input"], points["truth"])
        fig["lmd_still"] = tm.lmd_still(points["input"], points["truth"])
        fig["sharpness_real"] = log_mean(seen.sharpness_ratio("truth"))
    fig["renderers"] = {
        name: renderer_figures(fig, seen, ap, name, reference, envelope, pause, flicker[real])
        for name in outputs
    }
    start = tm.busiest_window(reference if case.kind == "true" else envelope, SHEET_LEN)
    sheet_frames = list(range(start, min(n, start + SHEET_LEN), SHEET_STEP))
    marked = {i for i in sheet_frames if pause[i]}
    rows = [
        (
            ROW_NAMES.get(k, k),
            [seen.crops[k][i] for i in sheet_frames],
            [ap[k][i] for i in sheet_frames],
        )
        for k in paths
    ]
    title = f"{case.name}: mouth crops every {SHEET_STEP} frames, aperture in IOD" + (
        ", red: pause" if marked else ""
    )
    image = tm.contact_sheet(title, sheet_frames, rows, marked)
    fig["sheet"] = str(tm.save_png(sheet, image))
    fig["series"] = {
        **{f"aperture_{k}": np.round(ap[k], 4).tolist() for k in ROW_NAMES if k in ap},
        **{f"flicker_{k}": np.round(seen.changes[k], 2).tolist() for k in ROW_NAMES if k in ap},
        "reference": np.round(reference, 4).tolist(),
        "loudness_db": np.round(db, 1).tolist(),
        "pause": pause.astype(int).tolist(),
    }
    progress("")
    return fig


def renderer_figures(case_fig, seen, ap, name, reference, envelope, pause, real_flicker) -> dict:
    """The figures and series of renderer ``name``'s output of one case (see :func:`measure`)."""
    out = ap[name]
    r_best, lag = tm.best_lag(out, reference, 3)
    psnrs = tm.psnr_of(seen.mse[name])
    fig = {
        "r": tm.lagged(out, reference, 0),
        "r_best": r_best,
        "lag": lag,
        "r_within_1": tm.best_lag(out, reference, 1)[0],
        "r_loudness": tm.best_lag(out, envelope, 3)[0],
        "face": float(np.isfinite(out).mean()),
        "aperture": spread(out),
        "pauses": pause_figures(ap, name, pause),
        "sharpness": log_mean(seen.sharpness_ratio(name)),
        "psnr_outside_min": float(psnrs.min()),
        "psnr_outside": float(tm.psnr_of(np.mean(seen.mse[name]))),
        "flicker": nanmean(seen.changes[name]),
    }
    fig["sharpness_shape"], fig["sharpness_shape_frames"] = shape_matched_sharpness(
        seen.sharp_own[name], out, seen.sharp["input"], ap["input"]
    )
    fig["flicker_ratio"] = fig["flicker"] / real_flicker if real_flicker > 0 else float("nan")
    if "truth" in ap:
        fig["lmd"] = tm.lmd(seen.points[name], seen.points["truth"])
        fig["lmd_ratio"] = fig["lmd"] / case_fig["lmd_chance"]
    fig["series"] = {
        "aperture": np.round(out, 4).tolist(),
        "flicker": np.round(seen.changes[name], 2).tolist(),
        "psnr_outside": np.round(psnrs, 2).tolist(),
    }
    return fig


def pause_figures(ap: dict[str, np.ndarray], name: str, pause: np.ndarray) -> dict:
    """Apertures of output ``name`` in the ``pause`` frames (``bool (N,)``) against the
    speaker's rest: the 20th percentile of the input's own aperture; ``at_rest``: the share of
    pause frames whose output aperture is at most that."""
    rest = float(np.nanpercentile(ap["input"], 20))
    out = ap[name][pause]
    out = out[np.isfinite(out)]
    truth = ap["truth"][pause] if "truth" in ap else np.zeros(0)
    return {
        "frames": int(pause.sum()),
        "rest": rest,
        "output": float(out.mean()) if out.size else None,
        "output_speech": float(np.nanmean(ap[name][~pause])),
        "truth": float(np.nanmean(truth)) if np.isfinite(truth).any() else None,
        "at_rest": float(np.mean(out <= rest)) if out.size else None,
    }


def plain(value):
    """``value`` with numpy scalars as Python ones and NaN as None (strict JSON)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_atomic(path: Path, text: str) -> Path:
    """``text`` at ``path`` through a temporary name beside it."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def run_case(case, args, clips, cmd, renderers, extra) -> dict:
    """Prepare ``case`` once, lip-sync it with each renderer (or find the earlier outputs with
    ``--measure-only``) and measure every output that exists."""
    work = args.out / "work" / case.name
    paths, speech, events = prepare(case, work, clips, args.seconds, not args.measure_only)
    walls: dict[str, float | None] = {}
    errors: dict[str, str] = {}
    for name in renderers:
        out = output_path(work, name)
        try:
            if args.measure_only:
                if not out.is_file():
                    raise RuntimeError(f"{out} is missing: run without --measure-only")
                walls[name] = None
            else:
                progress(f"{case.name}: lipsync sync --renderer {name}")
                walls[name] = run_lipsync(
                    cmd, paths["input"], speech, out, ["--renderer", name, *extra]
                )
        except RuntimeError as e:
            errors[name] = str(e)
    done = [name for name in renderers if name in walls]
    if not done:
        return {
            "case": case.name,
            "kind": case.kind,
            "renderers": {name: {"error": errors[name]} for name in renderers},
            "error": "; ".join(f"{name}: {e}" for name, e in errors.items()),
        }
    paths = {**paths, **{name: output_path(work, name) for name in done}}
    fig = measure(case, paths, done, speech, events, args.out / f"{case.name}.png")
    for name in done:
        fig["renderers"][name]["lipsync_seconds"] = walls[name]
    fig["renderers"] = {
        name: fig["renderers"].get(name) or {"error": errors[name]} for name in renderers
    }
    return fig


def parse(argv: list[str], repo: Path) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clips", help="comma-separated clip or case names (default: all but the drawn face)"
    )
    parser.add_argument(
        "--renderers",
        default=DEFAULT_RENDERERS,
        help=f"comma-separated renderers, each run on every case (default: {DEFAULT_RENDERERS})",
    )
    parser.add_argument("--out", type=Path, default=repo / "bench" / "out" / "real_faces")
    parser.add_argument("--shared", type=Path, default=repo.parent / "shared")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each cross-dub")
    parser.add_argument(
        "--lipsync",
        help="command that runs lipsync (default: the venv's). Another commit's checkout: a "
        "script running PYTHONSAFEPATH=1 PYTHONPATH=CHECKOUT python -c 'from lipsync.cli.main "
        "import main; main()' \"$@\"; without PYTHONSAFEPATH, python -c (and the tracker's "
        "python -m child) import the lipsync of the current directory first",
    )
    parser.add_argument(
        "--crf",
        type=int,
        default=INPUT_CRF,
        help=f"x264 quality of lipsync's outputs (default {INPUT_CRF}, the inputs' own; "
        "lipsync's default is 18)",
    )
    parser.add_argument(
        "--tune",
        default="none",
        help="x264 tune of lipsync's outputs (default none, the inputs' own; lipsync's default "
        "is auto: film for lossy x264)",
    )
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure again the media of an earlier run in --out (no lipsync run)",
    )
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="also write the table here as Markdown"
    )
    return parser.parse_args(argv)


def main() -> None:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    repo = Path(__file__).resolve().parents[1]
    args = parse(argv, repo)
    if any(a == "--renderer" or a.startswith("--renderer=") for a in extra):
        sys.exit("name the renderers with --renderers A,B before --, not --renderer after it")
    if not any(a == "--crf" or a.startswith("--crf=") for a in extra):
        extra = ["--crf", str(args.crf), *extra]
    if not any(a == "--tune" or a.startswith("--tune=") for a in extra):
        extra = ["--tune", args.tune, *extra]
    renderers = list(dict.fromkeys(n.strip() for n in args.renderers.split(",") if n.strip()))
    if not args.lipsync:
        from lipsync.core.render.registry import renderer_names

        unknown = [n for n in renderers if n not in renderer_names()]
        if unknown or not renderers:
            sys.exit(
                f"--renderers {args.renderers}: {', '.join(unknown) or 'none'} is not a renderer"
                f" (known: {', '.join(renderer_names())})"
            )
    if set(renderers) & set(ROW_NAMES):
        sys.exit(f"--renderers may not name {' or '.join(ROW_NAMES)}")
    clips = args.shared / "real-clips"
    if not clips.is_dir():
        print(
            f"skipped: {clips} is absent (the real clips are not in this checkout's shared "
            "folder; pass --shared)"
        )
        return
    cases = list(CASES)
    if args.clips:
        names = {n.strip() for n in args.clips.split(",") if n.strip()}
        cases = [c for c in (*CASES, *ONLY_ON_REQUEST) if c.video in names or c.name in names]
        if not cases:
            sys.exit(f"no case matches --clips {args.clips}: name clips of {clips}")
    missing = sorted({c.video for c in cases if not (clips / f"{c.video}.mp4").is_file()})
    if missing:
        sys.exit(f"{clips} lacks {', '.join(missing)}.mp4")
    cmd = shlex.split(args.lipsync) if args.lipsync else [exe("lipsync")]
    args.out.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    figs = []
    for case in cases:
        try:
            figs.append(run_case(case, args, clips, cmd, renderers, extra))
        except RuntimeError as e:
            progress("")
            figs.append({"case": case.name, "kind": case.kind, "error": str(e)})
    head = (
        f"real faces: {len(cases)} case{'s' if len(cases) != 1 else ''} x renderers "
        f"{', '.join(renderers)}, lipsync = {shlex.join(cmd)} {shlex.join(extra)}"
        f"{' (earlier outputs measured again)' if args.measure_only else ''}, "
        f"{time.perf_counter() - t0:.0f} s; r, LMD and aperture by dlib 68 points, LMD and "
        "aperture in % / units of the inter-ocular distance, flicker in grey levels per frame"
    )
    print(head)
    print(report.text_table(figs, renderers))
    res = {name: report.acceptance(figs, name) for name in renderers}
    lines = [line for name in renderers for line in report.summary(res[name], figs, name)]
    doc = {
        "lipsync": cmd,
        "extra": extra,
        "renderers": renderers,
        "measure_only": args.measure_only,
        "seconds": args.seconds,
        "started": started.isoformat(timespec="seconds"),
        "acceptance": res,
        "cases": figs,
    }
    path = args.out / "real_faces.json"
    text = json.dumps(plain(doc), indent=1, allow_nan=False)
    text = re.sub(r"\[([^\[\]{}]*)\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    write_atomic(path, text + "\n")
    print("\n".join(lines))
    if args.markdown:
        command = shlex.join(["python", "bench/real_faces.py", *sys.argv[1:]])
        md = (
            f"`{command}`, run {started:%Y-%m-%d %H:%M} UTC ({len(cases)} case"
            f"{'s' if len(cases) != 1 else ''}, "
            f"{time.perf_counter() - t0:.0f} s)\n\n{report.markdown_table(figs, renderers)}\n\n"
            + "".join(f"- {line}\n" for line in lines)
        )
        write_atomic(args.markdown, md)
    print(
        f"figures: {path}; contact sheets: {args.out}/*.png"
        + (f"; Markdown: {args.markdown}" if args.markdown else "")
    )


if __name__ == "__main__":
    main()
