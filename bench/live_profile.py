"""Where a live frame's CPU time goes: ``SyncStream.render_now`` under cProfile, per stage.

A real clip (``../shared/real-clips/retalking_face3.mp4``, scaled as ``bench/live_latency.py``
scales it) is decoded from y4m and each frame is tracked, learnt and rendered as live mode does
(one by one, no look-ahead), then patched back into its planes and written as y4m to
/dev/null. CPU time (``time.process_time`` and cProfile's own, not wall time: the machine is
shared) per frame, split by stage:

    decode        y4m bytes -> av.VideoFrame
    to_rgb        the whole frame as RGB for the tracker (frame_to_rgb)
    track         FaceTracker.update (detection, landmark fit, smoothing)
    learn         AppearanceBuilder.add
    mouth         the mouth curve's values
    appearance    the face's appearance (re)built
    render        the renderer (warp; render_exemplar: the exemplar renderer, which auto picks)
    patch         the region out of the planes and back (PatchFrame)
    encode        the frame back to y4m bytes

    .venv/bin/python bench/live_profile.py [--sizes 480x270,1280x720,1920x1080] [--frames 60]
        [--top 15] [--callers REGEX] [--eyes 64]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

from live_latency import CLIP, CLIPS, prepare

from lipsync.core.constants import LIVE_RENDERER
from lipsync.core.engine import InFrame, LipSyncEngine, SyncOptions
from lipsync.core.live import LIVE_EYES_PX
from lipsync.core.media.y4m import Y4MReader, Y4MWriter

STAGES = {
    "decode": ("y4m.py", "__iter__"),
    "to_rgb": ("convert.py", "frame_to_rgb"),
    "track": ("tracker.py", "update"),
    "learn": ("appearance.py", "add"),
    "mouth": ("incremental.py", "values"),
    "mouth_file": ("speech/track.py", "values"),
    "appearance": ("sync_stream.py", "_appearance"),
    "render": ("warp.py", "render"),
    "render_exemplar": ("exemplar.py", "render_batch"),
    "patch_in": ("patch.py", "rgb"),
    "patch_out": ("patch.py", "put_rgb"),
    "to_av": ("patch.py", "to_av"),
    "encode": ("y4m.py", "write"),
}


def profile(
    y4m: Path,
    wav: Path,
    frames: int,
    top: int,
    callers: str = "",
    eyes: float | None = None,
    renderer: str = LIVE_RENDERER,
) -> None:
    engine = LipSyncEngine(SyncOptions(renderer=renderer))
    with y4m.open("rb") as source, open("/dev/null", "wb") as sink:
        reader = Y4MReader(source)
        stream = engine.open_stream(reader.info, wav)
        tracker = stream.tracker()
        writer = Y4MWriter(sink, reader.header)
        items = iter(reader)
        # warm up: models loaded, first detection, the appearance learnt from a few frames
        for i, frame in (next(items) for _ in range(10)):
            item = InFrame(i, frame)
            stream.begin(item)
            writer.write(stream.emit(stream.render_now(item, tracker, eyes)).coded(reader.info))
        prof = cProfile.Profile(time.process_time)
        cpu0 = time.process_time()
        prof.enable()
        n = 0
        for i, frame in items:
            item = InFrame(i, frame)
            writer.write(stream.emit(stream.render_now(item, tracker, eyes)).coded(reader.info))
            n += 1
            if n >= frames:
                break
        prof.disable()
        cpu = time.process_time() - cpu0
    stats = pstats.Stats(prof)
    w, h = reader.info.width, reader.info.height
    print(f"{w}x{h}: {n} frames, {1000 * cpu / n:.1f} ms CPU per frame (process_time)")
    parts = []
    for name, (file, func) in STAGES.items():
        total = sum(v[3] for k, v in stats.stats.items() if k[0].endswith(file) and k[2] == func)
        parts.append(f"{name} {1000 * total / n:.1f}")
    print("  per frame, ms CPU (cumulative, stages may nest): " + ", ".join(parts))
    if top:
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
        print("\n".join(buf.getvalue().splitlines()[6:]))
    if callers:
        pstats.Stats(prof).sort_stats("tottime").print_callers(callers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="480x270,1280x720,1920x1080")
    parser.add_argument("--frames", type=int, default=60)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--clip", default=CLIP)
    parser.add_argument(
        "--eyes", type=float, default=LIVE_EYES_PX, help="live's reduced render (0: full size)"
    )
    parser.add_argument(
        "--renderer", default=LIVE_RENDERER, help="the renderer (live's default: the warp)"
    )
    parser.add_argument("--callers", default="", help="print who calls functions matching this")
    args = parser.parse_args()
    clip = CLIPS / args.clip
    if not clip.exists():
        sys.exit(f"{clip} is missing: this bench needs ../shared/real-clips")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for text in args.sizes.split(","):
            size = tuple(int(v) for v in text.split("x"))
            y4m, wav = prepare(clip, size, (args.frames + 10) / 25 + 0.2, tmp)
            profile(y4m, wav, args.frames, args.top, args.callers, args.eyes or None, args.renderer)
            y4m.unlink()


if __name__ == "__main__":
    main()
