"""How much of the mouth's sharpness lipsync's own encoder takes when nothing is rendered: the
ceiling of ``bench/real_faces.py``'s sharpness figures.

``real_faces.py`` measures the output's mouth against its input, which it makes at CRF 10;
it has lipsync write at that CRF too (``--crf``), where lipsync's own default is CRF 18.
Re-encoding costs detail by itself, and more for pixels that moved: footage left where it
was re-encodes on the block grid it was coded on, while a rendered mouth (a sample from another
frame, or the footage warped) does not.
Here each clip's input, made as ``real_faces.py`` makes it (constant rate, the first
``--seconds``, reversed for the true-mouth clips, CRF 10), goes through lipsync's own writer
untouched, and shifted by ``SHIFT`` px (the same pixels, off their block grid), at each
``--crf``; the figure is the variance of the Laplacian of the grey mouth box (dlib's lip
points widened by 0.2 IOD, as ``real_faces.py``), output over input, per frame, median and
mean. A renderer that drew the footage perfectly would score about these figures there.
``--tune`` names x264 tunes to compare (``none``, ``film`` ...; default ``auto``, the writer's
own: film, none at CRF 0); each row also gives the output's size (kB, in place / shifted).

    .venv/bin/python bench/encode_sharpness.py [--clips retalking_face1,musetalk_sun]
        [--crf 18,10] [--tune none,film] [--seconds 5] [--shared ../shared]
        [--out bench/out/encode_sharpness]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import true_mouth as tm
from real_faces import CASES, constant_rate

from lipsync.core.media import EncodeOptions, VideoReader, VideoWriter, iter_frames

SHIFT = 3  # px right and down: off the 4x4 and 8x8 transform blocks and the 16x16 macroblocks


def shifted(image: np.ndarray, k: int) -> np.ndarray:
    """``image`` ``uint8 (H, W, 3)`` moved ``k`` px right and down, its top and left edge
    rows repeated into the gap."""
    out = np.empty_like(image)
    out[k:, k:] = image[:-k, :-k]
    out[:k, k:] = out[k : k + 1, k:]
    out[:, :k] = out[:, k : k + 1]
    return out


def reencode(src: Path, dest: Path, crf: int, tune: str, shift: int) -> Path:
    """``src`` through lipsync's writer at ``crf`` and ``tune`` (the other options at their
    defaults, no audio), each frame shifted by ``shift`` px."""
    with VideoReader(src) as reader:
        info = reader.info
        options = EncodeOptions(crf=crf, tune=tune, audio_mode="none", provenance=False)
        with VideoWriter(dest, info, options=options) as writer:
            for frame in reader:
                image = shifted(frame.image, shift) if shift else frame.image
                writer.write(image, frame.pts)
    return dest


def ratios(src: Path, outputs: dict[str, tuple[Path, int]]) -> dict[str, tuple[float, float]]:
    """Per output name: (median, mean) over the frames of the mouth box's sharpness, output
    over ``src``, the box from dlib on ``src`` (moved by the output's shift)."""
    landmarker = tm.Landmarker()
    readers = {name: iter_frames(path) for name, (path, _) in outputs.items()}
    got: dict[str, list[float]] = {name: [] for name in outputs}
    for frame in iter_frames(src):
        pts = landmarker.points(frame.image)
        others = {name: next(reader).image for name, reader in readers.items()}
        if pts is None:
            continue
        rows, cols = tm.mouth_box(pts, frame.image.shape)
        base = tm.sharpness(frame.image, (rows, cols))
        for name, image in others.items():
            k = outputs[name][1]
            box = (slice(rows.start + k, rows.stop + k), slice(cols.start + k, cols.stop + k))
            got[name].append(tm.sharpness(image, box) / max(base, 1e-9))
    return {name: (float(np.median(v)), float(np.mean(v))) for name, v in got.items() if v}


def main() -> None:
    repo = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", help="comma-separated clip names (default: every case's)")
    parser.add_argument("--crf", default="18", help="comma-separated CRFs (default: 18)")
    parser.add_argument("--tune", default="auto", help="comma-separated x264 tunes (auto)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of the cross-dubs")
    parser.add_argument("--shared", type=Path, default=repo.parent / "shared")
    parser.add_argument("--out", type=Path, default=repo / "bench" / "out" / "encode_sharpness")
    args = parser.parse_args()
    clips = args.shared / "real-clips"
    if not clips.is_dir():
        print(f"skipped: {clips} is absent (pass --shared)")
        return
    videos = {c.video: c.kind == "true" for c in CASES}  # clip -> reversed (a true-mouth case)
    if args.clips:
        wanted = {n.strip() for n in args.clips.split(",") if n.strip()}
        videos = {v: rev for v, rev in videos.items() if v in wanted}
        if not videos:
            sys.exit(f"no case of bench/real_faces.py uses --clips {args.clips}")
    crfs = [int(c) for c in args.crf.split(",")]
    tunes = [t.strip() for t in args.tune.split(",")]
    runs = [(crf, tune) for crf in crfs for tune in tunes]
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"mouth-box sharpness after lipsync's writer, nothing rendered (shift {SHIFT} px)")
    print(
        f"{'clip':<20} {'crf':>3} {'tune':<11} {'in place median/mean':>21} "
        f"{'shifted median/mean':>20} {'kB in place/shifted':>20}"
    )
    for video, reverse in videos.items():
        if reverse:  # as real_faces.py: the clip at constant rate, then that reversed
            truth = constant_rate(clips / f"{video}.mp4", args.out / f"{video}_truth.mp4", None)
            src = constant_rate(truth, args.out / f"{video}.mp4", None, reverse=True)
        else:
            src = constant_rate(clips / f"{video}.mp4", args.out / f"{video}.mp4", args.seconds)
        outputs = {}
        for crf, tune in runs:
            for shift in (0, SHIFT):
                dest = args.out / f"{video}_crf{crf}_{tune}_shift{shift}.mp4"
                outputs[f"{crf}/{tune}/{shift}"] = (reencode(src, dest, crf, tune, shift), shift)
        figures = ratios(src, outputs)
        for crf, tune in runs:
            here, moved = figures[f"{crf}/{tune}/0"], figures[f"{crf}/{tune}/{SHIFT}"]
            kb = [outputs[f"{crf}/{tune}/{k}"][0].stat().st_size / 1000 for k in (0, SHIFT)]
            print(
                f"{video:<20} {crf:>3} {tune:<11} {here[0]:>12.3f} / {here[1]:.3f} "
                f"{moved[0]:>11.3f} / {moved[1]:.3f} {kb[0]:>11.0f} / {kb[1]:.0f}"
            )


if __name__ == "__main__":
    main()
