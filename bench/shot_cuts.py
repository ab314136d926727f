"""Hard cuts in an edit of real footage: found where they are, nowhere else, and each shot's face
drawn from its own mouths only.

A montage is cut from the real clips of ``../shared/real-clips`` (each clip scaled and padded
to one frame size, so different speakers sit where the last one sat): ``--pieces`` pieces of
``--piece-seconds`` each, taken in turn from the clips, so that every cut but the jump cuts
joins two different shots. Every other piece of a clip starts ``--jump`` s later in the same
clip, right after a piece of that clip: a jump cut (same speaker, same framing, a moment
later), which may or may not count as a cut. It reports:

1. the cut detector (:class:`lipsync.core.shots.CutDetector`, the face tracker's own) over the
   montage: cuts found at the true frames (recall), found elsewhere (false cuts), jump cuts
   found; and its cost per frame at the montage's size and at 1080p;
2. ``lipsync sync`` on the montage with espeak-ng speech and the default renderer: the faces of
   the run report and, per face, how many frames its exemplar bank was learnt from (a face
   that learnt from more frames than its shot has crossed a cut).

Then a second montage joins one piece of each clip (``--dissolve-seconds`` long) by dissolves
(ffmpeg's ``xfade``, 0.4, 0.8 and 1.2 s in turn), and reports the same for dissolves: found
(a new shot while the two pictures mix), frames taken as inside a dissolve that are not
(false), the dissolves' own frames left out, and ``lipsync sync``'s faces.

    .venv/bin/python bench/shot_cuts.py [--shared ../shared] [--size 640] [--pieces 12]
        [--piece-seconds 1.2] [--jump 2.0] [--dissolve-seconds 2.4] [--out bench/out/shot_cuts]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path

import numpy as np
from benchtools import exe, ffmpeg, speech_of

from lipsync.core.media import iter_frames
from lipsync.core.shots import CutDetector

CLIPS = (
    "retalking_face1",
    "retalking_face3",
    "latentsync_demo1",
    "latentsync_demo2",
    "latentsync_demo3",
    "musetalk_sun",
)
FPS = 25


def piece(k: int, size: int, frames: int) -> str:
    """The filter chain of input ``k``: ``frames`` frames at :data:`FPS`, scaled and padded
    to ``size`` px square (yuv420p), labelled ``[v{k}]``."""
    return (
        f"[{k}:v]fps={FPS},scale={size}:{size}:force_original_aspect_ratio=decrease,"
        f"pad={size}:{size}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p,"
        f"trim=end_frame={frames},setpts=PTS-STARTPTS[v{k}]"
    )


def montage(shared: Path, out: Path, size: int, pieces: int, seconds: float, jump: float):
    """The montage at ``out``; returns (true cut frames, jump-cut frames)."""
    inputs, filters, labels = [], [], []
    cuts, jumps, at = [], [], 0
    frames = round(seconds * FPS)
    for k in range(pieces):
        clip = CLIPS[(k // 2) % len(CLIPS)]
        start = 1.0 + (jump if k % 2 else 0.0)
        inputs += ["-ss", f"{start:g}", "-t", f"{seconds:g}", "-i", str(shared / f"{clip}.mp4")]
        filters.append(piece(k, size, frames))
        labels.append(f"[v{k}]")
        if k:
            (jumps if k % 2 else cuts).append(at)
        at += frames
    graph = ";".join(filters) + f";{''.join(labels)}concat=n={pieces}:v=1:a=0[v]"
    ffmpeg(*inputs, "-filter_complex", graph, "-map", "[v]", "-c:v", "libx264", "-crf", "14",
           "-pix_fmt", "yuv420p", str(out))  # fmt: skip
    return cuts, jumps


DISSOLVES = (0.4, 0.8, 1.2)  # s, in turn


def dissolved(shared: Path, out: Path, size: int, seconds: float):
    """One piece of each clip joined by dissolves, at ``out``; returns each dissolve's (first,
    last) frame."""
    inputs, filters, spans = [], [], []
    for k, clip in enumerate(CLIPS):
        inputs += ["-ss", "1", "-t", f"{seconds:g}", "-i", str(shared / f"{clip}.mp4")]
        filters.append(piece(k, size, round(seconds * FPS)))
    last, length = "[v0]", seconds
    for k in range(1, len(CLIPS)):
        fade = DISSOLVES[(k - 1) % len(DISSOLVES)]
        offset = length - fade
        spans.append((round(offset * FPS), round((offset + fade) * FPS) - 1))
        filters.append(
            f"{last}[v{k}]xfade=transition=fade:duration={fade:g}:offset={offset:g}[x{k}]"
        )
        last, length = f"[x{k}]", offset + seconds
    ffmpeg(*inputs, "-filter_complex", ";".join(filters), "-map", last, "-c:v", "libx264",
           "-crf", "14", str(out))  # fmt: skip
    return spans


def detector_cost(size: tuple[int, int], frames: int = 300) -> float:
    """ms per frame of the cut detector on noise frames of ``size`` (w, h): its worst case,
    every window's ends differing as two shots do, so each is tested for a dissolve."""
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 255, (size[1], size[0], 3), np.uint8) for _ in range(4)]
    detector = CutDetector()
    t0 = time.process_time()
    for k in range(frames):
        detector.starts_shot(images[k % 4])
    return (time.process_time() - t0) / frames * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--size", type=int, default=640)
    parser.add_argument("--pieces", type=int, default=12)
    parser.add_argument("--piece-seconds", type=float, default=1.2)
    parser.add_argument("--jump", type=float, default=2.0)
    parser.add_argument("--dissolve-seconds", type=float, default=2.4)
    parser.add_argument("--out", type=Path, default=Path("bench/out/shot_cuts"))
    args = parser.parse_args()
    clips = args.shared / "real-clips"
    if not clips.is_dir():
        raise SystemExit(f"{clips} is not here: give --shared")
    args.out.mkdir(parents=True, exist_ok=True)
    video = args.out / "montage.mp4"
    cuts, jumps = montage(clips, video, args.size, args.pieces, args.piece_seconds, args.jump)
    detector = CutDetector()
    found = [f.index for f in iter_frames(video) if detector.starts_shot(f.image)]
    hit = [c for c in cuts if c in found]
    false = [f for f in found if f not in cuts and f not in jumps]
    print(f"montage: {args.pieces} pieces of {args.piece_seconds:g} s at {args.size} px, "
          f"{len(cuts)} cuts between shots, {len(jumps)} jump cuts")  # fmt: skip
    print(f"cuts found: {len(hit)} of {len(cuts)}; false cuts: {len(false)} {false}; "
          f"jump cuts found: {sum(j in found for j in jumps)} of {len(jumps)}")  # fmt: skip
    for size in ((args.size, args.size), (1920, 1080)):
        print(f"detector cost at {size[0]}x{size[1]}: {detector_cost(size):.3f} ms/frame (CPU)")
    speech = speech_of(args.out / "speech.wav", args.pieces * args.piece_seconds)
    report = args.out / "report.json"
    out = args.out / "out.mp4"
    subprocess.run([exe("lipsync"), "-q", "sync", str(video), str(speech), "-o", str(out),
                    "--report", str(report)], check=True)  # fmt: skip
    doc = json.loads(report.read_text(encoding="utf-8"))
    shots = len(cuts) + 1
    frames = round(args.piece_seconds * FPS)
    longest = 2 * frames  # a piece and its jump cut may be one face
    learnt = {k: int(v.split(" from ")[1].split()[0]) for k, v in doc["renderer_tracks"].items()}
    crossed = {k: n for k, n in learnt.items() if n > longest}
    print(f"lipsync sync: {len(doc['faces'])} faces for {shots} shots "
          f"({len(jumps)} of them with a jump cut); faces that learnt from more frames than "
          f"their shot ({longest}): {len(crossed)} {crossed}")  # fmt: skip
    dissolves(args, clips)


def dissolves(args, clips: Path) -> None:
    video = args.out / "dissolves.mp4"
    spans = dissolved(clips, video, args.size, args.dissolve_seconds)
    detector = CutDetector()
    starts, inside, mixed, seconds = [], [], [], 0.0
    for f in iter_frames(video):
        t0 = time.process_time()
        if detector.starts_shot(f.image):
            starts.append(f.index)
            mixed.append(detector.mixed_before)
        seconds += time.process_time() - t0
        if detector.in_transition:
            inside.append(f.index)
    frames = f.index + 1
    found = [s for s in spans if any(s[0] <= k <= s[1] for k in starts)]
    false = [k for k in inside if not any(a <= k <= b + 2 for a, b in spans)]
    held = sum(sum(a <= k <= b for k in inside) for a, b in spans)
    total = sum(b - a + 1 for a, b in spans)
    stray = [k for k in starts if not any(a <= k <= b for a, b in spans)]
    # frames still taken as inside after each dissolve's last mixed frame, up to the next one
    nexts = [a for a, _ in spans[1:]] + [frames]
    after = [sum(b < k < n for k in inside) for (_, b), n in zip(spans, nexts, strict=True)]
    print(f"dissolves: {len(spans)} of {', '.join(f'{d:g}' for d in DISSOLVES)} s in turn "
          f"between {len(CLIPS)} speakers, {frames} frames; found {len(found)} of {len(spans)} "
          f"(first seen {[k - a for k, (a, _) in zip(starts, spans, strict=False)]} frames in, "
          f"of them already mixed {mixed}, left untouched by sync as well); "
          f"new shots elsewhere: {len(stray)} {stray}; frames taken as inside a dissolve: "
          f"{held} of the dissolves' {total}, {len(false)} outside any {false[:10]}, "
          f"after each one's end {after}; "
          f"detector {seconds / frames * 1000:.3f} ms/frame (CPU)")  # fmt: skip
    speech = speech_of(args.out / "speech_dissolves.wav", frames / FPS)
    report = args.out / "report_dissolves.json"
    out = args.out / "out_dissolves.mp4"
    subprocess.run([exe("lipsync"), "-q", "sync", str(video), str(speech), "-o", str(out),
                    "--report", str(report)], check=True)  # fmt: skip
    doc = json.loads(report.read_text(encoding="utf-8"))
    learnt = {k: int(v.split(" from ")[1].split()[0]) for k, v in doc["renderer_tracks"].items()}
    longest = round(args.dissolve_seconds * FPS)
    crossed = {k: n for k, n in learnt.items() if n > longest}
    print(f"lipsync sync: {len(doc['faces'])} faces for {len(CLIPS)} speakers; faces that "
          f"learnt from more frames than a piece ({longest}): {len(crossed)} {crossed}; "
          f"untouched {doc['passed_through']}")  # fmt: skip


if __name__ == "__main__":
    main()
