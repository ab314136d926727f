"""Lip sync on real people with real voices, measured by dlib against the real speaker's mouth.

True mouth (clips whose own speech is in sync: retalking_face1, retalking_face3), as in
``../shared/real-clips/README.md``: reverse the frames (``rev.mp4``), lip-sync them to the clip's
own speech, and compare the output's mouth with the real speaker's frame by frame: Pearson r of
the inner-lip aperture (lag 0 and the best lag within +-3 frames), LMD (mean distance of the 20
lip points, centred and in inter-ocular distances, IOD); ``rev.mp4`` itself is the chance level.

Cross-dubs (the other clips, cut to ``--seconds``): each video with another clip's speech and
with espeak-ng speech (no sidecar: the audio-only path). No true mouth there, so r is against the
exact phoneme openness (espeak-ng) or the speech's loudness (dB), and the input's own mouth is
the chance level.

Every case also reports: the aperture in pauses (>= 0.3 s over 30 dB under the speech) against
the speaker's rest (20th percentile of the input's own aperture), the mouth region's sharpness
(variance of the Laplacian, output / input, mean over frames) and the PSNR outside a generous
lower-face box (output vs input: minimum frame and mean). It prints a table and the acceptance
of issue 19, and writes ``real_faces.json`` (every figure and series), a contact sheet PNG per
case (mouth crops over time: real / input / output) and the media under ``--out``.

    .venv/bin/python bench/real_faces.py [--clips retalking_face1,musetalk_sun] [--seconds 5]
        [--out bench/out/real_faces] [--shared ../shared] [--lipsync CMD] [-- SYNC OPTIONS]
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
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import true_mouth as tm
from benchtools import exe, ffmpeg

from lipsync.core.media import iter_frames, load_audio, save_audio
from lipsync.core.speech import analyse_speech, synthesize
from lipsync.core.speech.phone_events import PhoneEvents, PhonemeEvent, shift_events

RATE = 16000  # Hz; the speech given to lipsync and measured here
SHEET_TILES, SHEET_STEP = 24, 2  # mouth crops per sheet row, every this many frames
SHEET_LEN = SHEET_TILES * SHEET_STEP  # frames a sheet spans
ROW_NAMES = {"truth": "real", "input": "input", "output": "output"}
ESPEAK_VOICE = "en-us"
ESPEAK_LINES = (
    "Bob bought a map, and Pam made more maps for Mom.",
    "Who knew the blue moon would move so soon?",
    "Maybe the baby will sleep better in the morning.",
    "Please keep the window open when we leave.",
)
ESPEAK_LEAD, ESPEAK_GAP = 0.6, 0.8  # s of silence before the first line and between lines
GOAL_R_MEAN, GOAL_R_EACH, GOAL_LMD = 0.40, 0.30, 0.85
GOAL_SHARP, GOAL_PSNR = (0.85, 1.15), 40.0


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
        "10",
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
    dlib's points per frame and video, the mouth crop of every frame and video, and per frame
    the mouth's sharpness ratio and the mean squared error outside the lower face (output vs
    input)."""

    times: np.ndarray
    points: dict[str, list]
    crops: dict[str, list]
    sharpness: np.ndarray
    mse: np.ndarray


def scan(paths: dict[str, Path], what: str) -> Scan:
    """:class:`Scan` of ``paths``. The output's crop, mouth box and lower-face box come from
    the input's points (the same picture region), the last ones dlib found where it finds no
    face (the whole frame before the first face)."""
    marks = {name: tm.Landmarker() for name in paths}
    points: dict[str, list] = {name: [] for name in paths}
    crops: dict[str, list] = {name: [] for name in paths}
    times, ratios, mses, known = [], [], [], None
    readers = [iter_frames(p) for p in paths.values()]
    for k, frames in enumerate(zip(*readers, strict=False)):
        progress(f"{what}: dlib on frame {k}")
        times.append(frames[0].time)
        by = {name: f.image for name, f in zip(paths, frames, strict=True)}
        for name, image in by.items():
            points[name].append(marks[name].points(image))
        known = points["input"][-1] if points["input"][-1] is not None else known
        for name, image in by.items():
            crops[name].append(tm.mouth_crop(image, points[name][-1] if name == "truth" else known))
        face = None
        if known is not None:
            mouth = tm.mouth_box(known, by["input"].shape)
            sharp_in = max(tm.sharpness(by["input"], mouth), 1e-9)
            ratios.append(tm.sharpness(by["output"], mouth) / sharp_in)
            face = tm.lower_face_box(known, by["input"].shape)
        mses.append(tm.mse_outside(by["input"], by["output"], face))
    return Scan(np.array(times), points, crops, np.array(ratios), np.array(mses))


def spread(series: np.ndarray) -> dict[str, float]:
    ok = series[np.isfinite(series)]
    if not ok.size:
        return {"mean": float("nan"), "p5": float("nan"), "p95": float("nan")}
    return {
        "mean": float(ok.mean()),
        "p5": float(np.percentile(ok, 5)),
        "p95": float(np.percentile(ok, 95)),
    }


def prepare(case: Case, work: Path, clips: Path, seconds: float, media: bool = True):
    """The videos (``truth`` for a true-mouth case, ``input``, ``output``), the speech and its
    exact phoneme events (espeak-ng) of ``case`` in ``work``; ``media=False`` only names the
    files made by an earlier run (the espeak-ng events are made again, they are the same)."""
    src = clips / f"{case.video}.mp4"
    work.mkdir(parents=True, exist_ok=True)
    speech, events = work / "speech.wav", None
    paths = {"truth": work / "truth.mp4", "input": work / "rev.mp4"}
    if case.kind != "true":
        paths = {"input": work / "input.mp4"}
        if case.audio == "espeak":
            events = espeak_speech(speech if media else work / "espeak_again.wav", seconds)
    paths["output"] = work / "out.mp4"
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


def measure(case: Case, paths: dict[str, Path], speech: Path, events, sheet: Path) -> dict:
    """Every figure and series of one lip-synced ``case`` as a dict; its contact sheet at
    ``sheet``."""
    seen = scan(paths, case.name)
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
    r_best, lag = tm.best_lag(ap["output"], reference, 3)
    fig = {
        "case": case.name,
        "kind": case.kind,
        "video": case.video,
        "audio": case.audio or "own",
        "frames": n,
        "fps": fps,
        "reference": ref_name,
        "r": tm.lagged(ap["output"], reference, 0),
        "r_best": r_best,
        "lag": lag,
        "r_within_1": tm.best_lag(ap["output"], reference, 1)[0],
        "r_chance": tm.lagged(ap["input"], reference, 0),
        "r_chance_best": tm.best_lag(ap["input"], reference, 3)[0],
        "r_loudness": tm.best_lag(ap["output"], envelope, 3)[0],
        "faces": {name: float(np.isfinite(a).mean()) for name, a in ap.items()},
        "aperture": {name: spread(a) for name, a in ap.items()},
    }
    if case.kind == "true":
        fig["lmd"] = tm.lmd(points["output"], points["truth"])
        fig["lmd_chance"] = tm.lmd(points["input"], points["truth"])
        fig["lmd_ratio"] = fig["lmd"] / fig["lmd_chance"]
    pause = tm.pause_frames(db, fps)
    fig["pauses"] = pause_figures(ap, pause)
    start = tm.busiest_window(reference if case.kind == "true" else envelope, SHEET_LEN)
    sheet_frames = list(range(start, min(n, start + SHEET_LEN), SHEET_STEP))
    psnrs = tm.psnr_of(seen.mse)
    fig["sharpness"] = float(np.mean(seen.sharpness)) if seen.sharpness.size else float("nan")
    fig["psnr_outside_min"] = float(psnrs.min())
    fig["psnr_outside"] = float(tm.psnr_of(np.mean(seen.mse)))
    marked = {i for i in sheet_frames if pause[i]}
    rows = [
        (ROW_NAMES[k], [seen.crops[k][i] for i in sheet_frames], [ap[k][i] for i in sheet_frames])
        for k in paths
    ]
    title = f"{case.name}: mouth crops every {SHEET_STEP} frames, aperture in IOD" + (
        ", red: pause" if marked else ""
    )
    image = tm.contact_sheet(title, sheet_frames, rows, marked)
    fig["sheet"] = str(tm.save_png(sheet, image))
    fig["series"] = {
        **{f"aperture_{k}": np.round(a, 4).tolist() for k, a in ap.items()},
        "reference": np.round(reference, 4).tolist(),
        "loudness_db": np.round(db, 1).tolist(),
        "pause": pause.astype(int).tolist(),
        "psnr_outside": np.round(psnrs, 2).tolist(),
    }
    progress("")
    return fig


def pause_figures(ap: dict[str, np.ndarray], pause: np.ndarray) -> dict:
    """Apertures in the ``pause`` frames (``bool (N,)``) against the speaker's rest: the 20th
    percentile of the input's own aperture; ``at_rest``: the share of pause frames whose
    output aperture is at most that."""
    rest = float(np.nanpercentile(ap["input"], 20))
    out = ap["output"][pause]
    out = out[np.isfinite(out)]
    truth = ap["truth"][pause] if "truth" in ap else np.zeros(0)
    return {
        "frames": int(pause.sum()),
        "rest": rest,
        "output": float(out.mean()) if out.size else None,
        "output_speech": float(np.nanmean(ap["output"][~pause])),
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


def _f(value: float | None, fmt: str = ".2f") -> str:
    return "-" if value is None or not np.isfinite(value) else format(value, fmt)


def table(figs: list[dict]) -> None:
    print(
        f"{'case':<30} {'kind':<6} {'frames':>6} {'ref':<8} {'r out (lag)':>12} {'r chance':>8} "
        f"{'LMD%':>5} {'chance':>6} {'ratio':>5}  {'aperture real/in/out':>20} {'sharp':>5} "
        f"{'PSNR min/mean':>13}  {'pause ap/rest (at rest)':>23}"
    )
    for f in figs:
        if "error" in f:
            print(f"{f['case']:<30} {f['kind']:<6} failed: {f['error']}")
            continue
        a = f["aperture"]
        real = a["truth"]["mean"] if "truth" in a else None
        apert = f"{_f(real, '.3f')}/{a['input']['mean']:.3f}/{a['output']['mean']:.3f}"
        p = f["pauses"]
        pause = (
            f"{_f(p['output'], '.3f')}/{p['rest']:.3f} ({_f(p['at_rest'], '.0%')})"
            if p["frames"]
            else "no pause"
        )
        lmd = [_f(100 * f[k], ".1f") if k in f else "-" for k in ("lmd", "lmd_chance")]
        print(
            f"{f['case']:<30} {f['kind']:<6} {f['frames']:>6} {f['reference']:<8} "
            f"{_f(f['r']):>5} {_f(f['r_best']):>5}({f['lag']:+d}) {_f(f['r_chance']):>8} "
            f"{lmd[0]:>5} {lmd[1]:>6} {_f(f.get('lmd_ratio')):>5}  {apert:>20} "
            f"{_f(f['sharpness']):>5} {_f(f['psnr_outside_min'], '.1f'):>6}/"
            f"{_f(f['psnr_outside'], '.1f'):<6}  {pause:>23}"
        )


def acceptance(figs: list[dict]) -> dict:
    """Issue 19's goals on these figures (r: the best within one frame of lag 0)."""
    ok = [f for f in figs if "error" not in f]
    true = [f for f in ok if f["kind"] == "true"]
    rs = [f["r_within_1"] for f in true]
    res = {
        "true_mouth_r_mean": float(np.mean(rs)) if rs else None,
        "r_ok": bool(rs) and np.mean(rs) >= GOAL_R_MEAN and min(rs) >= GOAL_R_EACH,
        "lmd_ok": bool(true) and all(f["lmd_ratio"] <= GOAL_LMD for f in true),
        "sharpness_ok": bool(ok)
        and all(GOAL_SHARP[0] <= f["sharpness"] <= GOAL_SHARP[1] for f in ok),
        "psnr_ok": bool(ok) and all(f["psnr_outside"] >= GOAL_PSNR for f in ok),
        "failed_runs": [f["case"] for f in figs if "error" in f],
    }
    at_rest = [f["pauses"]["at_rest"] for f in ok if f["pauses"]["at_rest"] is not None]
    res["pause_at_rest"] = float(np.mean(at_rest)) if at_rest else None
    res["all_ok"] = (
        all(res[k] for k in ("r_ok", "lmd_ok", "sharpness_ok", "psnr_ok"))
        and not res["failed_runs"]
    )
    return res


def summary(res: dict, figs: list[dict]) -> str:
    true = [f for f in figs if f["kind"] == "true" and "error" not in f]
    word = {True: "ok", False: "NOT MET"}
    rs = ", ".join(f"{f['case']} {f['r_within_1']:.2f}" for f in true)
    lmds = ", ".join(f"{f['lmd_ratio']:.2f}" for f in true)
    return (
        f"acceptance: {'MET' if res['all_ok'] else 'NOT MET'}: true-mouth r (lag 0+-1) mean "
        f"{_f(res['true_mouth_r_mean'])} >= {GOAL_R_MEAN} each >= {GOAL_R_EACH} [{rs}] "
        f"{word[res['r_ok']]}; LMD <= {GOAL_LMD}x chance [{lmds}] {word[res['lmd_ok']]}; "
        f"sharpness {GOAL_SHARP[0]}-{GOAL_SHARP[1]} {word[res['sharpness_ok']]}; PSNR outside "
        f">= {GOAL_PSNR:g} dB {word[res['psnr_ok']]}; pause frames at rest "
        f"{_f(res['pause_at_rest'], '.0%')} (no numeric goal)"
        + (f"; failed: {', '.join(res['failed_runs'])}" if res["failed_runs"] else "")
    )


def main() -> None:
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    argv = argv[: argv.index("--")] if "--" in argv else argv
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--clips", help="comma-separated clip or case names (default: all but the drawn face)"
    )
    parser.add_argument("--out", type=Path, default=repo / "bench" / "out" / "real_faces")
    parser.add_argument("--shared", type=Path, default=repo.parent / "shared")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each cross-dub")
    parser.add_argument("--lipsync", help="command that runs lipsync (default: the venv's)")
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure again the media of an earlier run in --out (no lipsync run)",
    )
    args = parser.parse_args(argv)
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
    t0 = time.perf_counter()
    figs = []
    for case in cases:
        try:
            work = args.out / "work" / case.name
            paths, speech, events = prepare(case, work, clips, args.seconds, not args.measure_only)
            wall = None
            if not args.measure_only:
                progress(f"{case.name}: lipsync sync")
                wall = run_lipsync(cmd, paths["input"], speech, paths["output"], extra)
            fig = measure(case, paths, speech, events, args.out / f"{case.name}.png")
            figs.append({**fig, "lipsync_seconds": wall})
        except RuntimeError as e:
            progress("")
            figs.append({"case": case.name, "kind": case.kind, "error": str(e)})
    print(
        f"real faces: {len(cases)} cases, lipsync = {shlex.join(cmd)} {shlex.join(extra)}"
        f"{' (earlier outputs measured again)' if args.measure_only else ''}, "
        f"{time.perf_counter() - t0:.0f} s; r, LMD and aperture by dlib 68 points, LMD and "
        "aperture in % / units of the inter-ocular distance"
    )
    table(figs)
    res = acceptance(figs)
    doc = {
        "lipsync": cmd,
        "extra": extra,
        "measure_only": args.measure_only,
        "seconds": args.seconds,
        "acceptance": res,
        "cases": figs,
    }
    path = args.out / "real_faces.json"
    tmp = path.with_name(f".{path.name}.tmp")
    text = json.dumps(plain(doc), indent=1, allow_nan=False)
    text = re.sub(r"\[([^\[\]{}]*)\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(path)
    print(summary(res, figs))
    print(f"figures: {path}; contact sheets: {args.out}/*.png")


if __name__ == "__main__":
    main()
