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

``--offline``: the filter's normal path instead (``run_filter``: read-ahead thread, tracking
and planning thread, rendering in the main thread; default renderer ``auto``, lookahead),
on the same frames or on the throughput bench's moving portrait with espeak-ng speech
(``--portrait``). cProfile sees one thread only, so each stage's functions are timed by
``time.thread_time`` around every call (CPU of the thread that ran it): ms per frame and per
call, the total CPU and wall seconds, and the renderer's own steps (warp, exemplar).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import importlib
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
from lipsync.core.sync_options import SyncOptions as Options

# --offline: (module, function or Class.method) timed per call, in the thread that calls it
OFFLINE = [
    ("lipsync.core.media.y4m", "read_frame"),  # y4m read (read-ahead thread)
    ("lipsync.core.sync_stream", "frame_to_rgb"),  # the whole frame for the tracker
    ("lipsync.core.face.tracker", "FaceTracker.update"),
    ("lipsync.core.render.appearance", "AppearanceBuilder.add"),
    ("lipsync.core.render.exemplar_bank", "ExemplarCollector.add"),
    ("lipsync.core.sync_stream", "SyncStream._appearance"),
    ("lipsync.core.sync_stream", "SyncStream._evaluate_targets"),
    ("lipsync.core.sync_stream", "SyncStream._draw"),  # the renderer, all of it
    ("lipsync.core.render.warp", "WarpRenderer.render"),
    ("lipsync.core.render.warp", "_backward_maps"),
    ("lipsync.core.render.warp", "piecewise_maps"),
    ("lipsync.core.render.warp", "_helpers"),
    ("lipsync.core.render.warp", "_resample"),
    ("lipsync.core.render.warp", "restore_detail"),
    ("lipsync.core.render.warp", "_footprint_sigma"),
    ("lipsync.core.render.warp", "fill_interior"),
    ("lipsync.core.render.warp", "_mend_lips"),
    ("lipsync.core.render.warp", "blend"),
    ("lipsync.core.render.warp", "target_shape"),
    ("lipsync.core.render.exemplar", "piecewise_maps"),
    ("lipsync.core.render.exemplar", "detail_blend"),
    ("lipsync.core.media.patch", "PatchFrame.rgb"),
    ("lipsync.core.media.patch", "PatchFrame.put_rgb"),
    ("lipsync.core.media.patch", "PatchFrame.to_av"),
    ("lipsync.core.media.y4m", "Y4MWriter.write"),
]


def _timed(spent: dict, calls: dict) -> list:
    """Wrap every :data:`OFFLINE` function (those a module does not have are left out);
    returns what to put back."""
    undo = []
    for module_name, name in OFFLINE:
        owner = importlib.import_module(module_name)
        *path, attr = name.split(".")
        for part in path:
            owner = getattr(owner, part)
        fn = owner.__dict__.get(attr) if isinstance(owner, type) else getattr(owner, attr, None)
        if fn is None:
            continue
        key = f"{module_name.rsplit('.', 1)[1]}.{name}"

        def timed(*args, _fn=fn, _key=key, **kwargs):
            t0 = time.thread_time()
            try:
                return _fn(*args, **kwargs)
            finally:
                spent[_key] = spent.get(_key, 0.0) + time.thread_time() - t0
                calls[_key] = calls.get(_key, 0) + 1

        setattr(owner, attr, functools.wraps(fn)(timed))
        undo.append((owner, attr, fn))
    return undo


def profile_offline(y4m: Path, wav: Path, renderer: str | None) -> None:
    """The filter's normal path on ``y4m`` with the speech ``wav``, stages timed per call."""
    from lipsync.integrations.ffmpeg.filter import run_filter

    spent: dict[str, float] = {}
    calls: dict[str, int] = {}
    undo = _timed(spent, calls)
    options = Options() if renderer is None else Options(renderer=renderer)
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        with y4m.open("rb") as source, open("/dev/null", "wb") as sink:
            result = run_filter(source, sink, options, audio=wav)
    finally:
        for owner, attr, fn in undo:
            setattr(owner, attr, fn)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    n = max(result.frames, 1)
    print(
        f"{y4m.stem}: {result.frames} frames ({result.rendered} lip-synced), renderer "
        f"{options.renderer}: {cpu:.2f} s CPU ({1000 * cpu / n:.1f} ms a frame, start-up "
        f"included), {wall:.2f} s wall"
    )
    for key, total in sorted(spent.items(), key=lambda kv: -kv[1]):
        k = calls[key]
        print(
            f"  {key:42s} {1000 * total / n:7.2f} ms/frame {1000 * total / k:7.2f} ms/call {k:5d}"
        )


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
    parser.add_argument(
        "--offline", action="store_true", help="the filter's normal path (see the docstring)"
    )
    parser.add_argument(
        "--portrait",
        action="store_true",
        help="--offline on the throughput bench's moving portrait with espeak-ng speech",
    )
    args = parser.parse_args()
    if args.offline:
        offline(args)
        return
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


def offline(args: argparse.Namespace) -> None:
    """``--offline``: each size, on the real clip or (``--portrait``) the moving portrait."""
    renderer = None if args.renderer == LIVE_RENDERER else args.renderer  # the filter's default
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for text in args.sizes.split(","):
            w, h = (int(v) for v in text.split("x"))
            if args.portrait:
                from benchtools import ffmpeg, speech_of

                from lipsync.core.demo import write_portrait_clip

                seconds = args.frames / 25
                wav = speech_of(tmp / "speech.wav", seconds)
                clip = write_portrait_clip(tmp / "clip.mp4", seconds, (w, h), preset="ultrafast")
                y4m = tmp / f"portrait_{w}x{h}.y4m"
                ffmpeg("-i", str(clip), "-f", "yuv4mpegpipe", str(y4m))
            else:
                clip = CLIPS / args.clip
                if not clip.exists():
                    sys.exit(f"{clip} is missing: this bench needs ../shared/real-clips")
                y4m, wav = prepare(clip, (w, h), args.frames / 25, tmp)
            profile_offline(y4m, wav, renderer)
            y4m.unlink()


if __name__ == "__main__":
    main()
