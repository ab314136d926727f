"""Speed of the translation pipeline on CPU with the offline backends: wall seconds per
minute of video for each stage (pocketsphinx → translated SRT → espeak-ng + fitting → mix →
lip sync with the warp renderer).

Run: ``python bench/translate.py [--seconds 30] [--size 480x270] [--no-lipsync]``. The clip is
the demo portrait with English lines spoken by espeak-ng every few seconds, and a Spanish SRT
of the same length per line; a second run shows the cached (resumed) cost.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1] / "tests")]

from translate_media import Line, make_clip  # noqa: E402

from lipsync.core.pipeline import TranslateOptions, translate_video  # noqa: E402

LINES = [
    ("Hello everyone, and welcome back.", "Hola a todos, y bienvenidos de nuevo."),
    ("Today we talk about the stars.", "Hoy hablamos de las estrellas."),
    ("The moon is very bright tonight.", "La luna brilla mucho esta noche."),
    ("Thank you for watching this video.", "Gracias por ver este video."),
]
LINE_EVERY = 3.0  # s between line starts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--size", default="480x270")
    parser.add_argument("--no-lipsync", action="store_true")
    args = parser.parse_args()
    import translate_media as media

    media.SIZE = tuple(int(v) for v in args.size.split("x"))
    n = max(1, int(args.seconds // LINE_EVERY))
    lines = [Line(*LINES[k % len(LINES)], voice="en+m3", start=0.3 + k * LINE_EVERY)
             for k in range(n)]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = make_clip(folder, lines)
        minutes = clip.duration / 60
        options = TranslateOptions(target="es", subtitles=clip.subtitles, workdir=folder / "w",
                                   lipsync=not args.no_lipsync)  # fmt: skip
        for label in ("first run", "cached re-run"):
            started = time.perf_counter()
            report = translate_video(clip.video, folder / "out.mp4", options)
            total = time.perf_counter() - started
            print(f"{label}: {clip.duration:.1f} s of {args.size} video, {len(report.lines)} lines")
            for stage, seconds in report.stages.items():
                print(f"  {stage:<12} {seconds / minutes:8.2f} s per minute of video")
            print(f"  {'total':<12} {total / minutes:8.2f} s per minute of video "
                  f"({clip.duration / total:.2f}x real time)")  # fmt: skip
        statuses = [line["fit"]["status"] for line in report.lines]
        print("fitting:", json.dumps({s: statuses.count(s) for s in sorted(set(statuses))}))


if __name__ == "__main__":
    main()
