"""``lipsync-filter`` added latency in a live pipe, frame by frame, against ``cat``.

A real clip (``../shared/real-clips/retalking_face3.mp4``, a woman speaking, looped) is scaled
to 720p25 and 1080p25 (padded, face centred) and written as yuv4mpegpipe. Each frame carries
its index in 16 luma samples of the top-left corner (outside the lower face, so the filter
must leave them bit-exact). A feeder writes frame ``i`` into the filter at ``t0 + i / 25``
(real time, as ``ffmpeg -re`` or a camera would) and a reader stamps when each frame has
wholly come out. Per frame: added latency = out - in. Printed for the filter and for ``cat``
in the same run: p50 / p95 / max added latency, frames out of order, missing or duplicated
(read from the stamped indices), and frames passed through untouched (bytes equal to the
input).

With ``--nut`` it also runs the NUT pipe with the clip's own speech inside (``ffmpeg -re ... -f
nut | lipsync-filter -f nut --audio-from-stream --live``) and measures the audio/video offset at
the output: each output packet is stamped as it is demuxed; for every video frame, the wall time
at which the audio packet holding the same time came out minus the frame's own; p50 / max of
its size against one frame (40 ms).

    .venv/bin/python bench/live_latency.py [--seconds 10] [--sizes 1280x720,1920x1080]
        [--filter-args "--live"] [--nut]

Goal (issue 21): p95 <= 200 ms at 720p25 and <= 250 ms at 1080p25 on a 2-core machine, no
frame dropped or reordered.
"""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from benchtools import as_installed, exe, ffmpeg

CLIPS = Path(__file__).resolve().parents[2] / "shared" / "real-clips"
CLIP = "retalking_face3.mp4"
FPS = 25
MARK = 16  # luma samples carrying the frame index (one bit each)
STARTUP_SECONDS = 6.0  # s between the header and the first frame (3 s was too short on a loaded
# machine: the first frames then waited in the pipe for the filter to start, up to 2.8 s)


def prepare(clip: Path, size: tuple[int, int], seconds: float, tmp: Path) -> tuple[Path, Path]:
    """(the looped clip scaled to ``size`` at 25 fps as y4m, its speech as 16 kHz wav)."""
    w, h = size
    y4m, wav = tmp / f"clip_{w}x{h}.y4m", tmp / "speech.wav"
    scale = f"scale=-2:{h},pad={w}:{h}:(ow-iw)/2:0,fps={FPS},format=yuv420p"
    loop = ["-stream_loop", "-1", "-i", str(clip), "-t", f"{seconds}"]
    ffmpeg(*loop, "-an", "-vf", scale, "-f", "yuv4mpegpipe", str(y4m))
    if not wav.exists():
        ffmpeg(*loop, "-vn", "-ac", "1", "-ar", "16000", str(wav))
    return y4m, wav


def frames_of(y4m: Path) -> tuple[bytes, int, list[bytes]]:
    """(header line, picture bytes, every frame's bytes with its index stamped)."""
    data = y4m.read_bytes()
    end = data.index(b"\n") + 1
    header = data[:end]
    fields = header.split()
    w = int(next(f[1:] for f in fields if f.startswith(b"W")))
    h = int(next(f[1:] for f in fields if f.startswith(b"H")))
    size = w * h * 3 // 2
    frames, at = [], end
    while at < len(data):
        assert data[at : at + 6] == b"FRAME\n", "unexpected y4m frame header"
        picture = bytearray(data[at + 6 : at + 6 + size])
        picture[:MARK] = stamp(len(frames))
        frames.append(bytes(picture))
        at += 6 + size
    return header, size, frames


def stamp(index: int) -> bytes:
    return bytes(235 if index >> b & 1 else 16 for b in range(MARK))


def index_of(picture: bytes) -> int:
    return sum(1 << b for b in range(MARK) if picture[b] > 128)


def run_live(
    argv: list[str], header: bytes, size: int, frames: list[bytes], log: Path | None = None
) -> dict:
    """Feed ``frames`` at 25 fps into ``argv``; per-frame latency and what came out
    (``argv``'s stderr into ``log`` when given)."""
    err = log.open("wb") if log is not None else None
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    n = len(frames)
    t_in = np.zeros(n)
    t_out: list[float] = []
    order: list[int] = []
    untouched = 0
    proc.stdin.write(header)
    proc.stdin.flush()
    time.sleep(STARTUP_SECONDS)  # let the filter start (models) before the clock starts

    def feed() -> None:
        t0 = time.perf_counter()
        try:
            for i, picture in enumerate(frames):
                delay = t0 + i / FPS - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                t_in[i] = time.perf_counter()
                proc.stdin.write(b"FRAME\n" + picture)
                proc.stdin.flush()
        finally:
            proc.stdin.close()

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    out = proc.stdout
    line = out.readline()
    assert line.startswith(b"YUV4MPEG2"), line
    while True:
        head = out.read(6)
        if not head:
            break
        picture = out.read(size)
        t_out.append(time.perf_counter())
        k = index_of(picture)
        order.append(k)
        untouched += 0 <= k < n and picture == frames[k]
    thread.join()
    code = proc.wait()
    if err is not None:
        err.close()
    got = np.array(order)
    lat = np.array([t_out[j] - t_in[k] for j, k in enumerate(order) if 0 <= k < n]) * 1000
    return {
        "code": code,
        "frames": len(order),
        "in_order": bool(np.array_equal(got, np.arange(n))),
        "missing": n - len(set(order)),
        "dup": len(order) - len(set(order)),
        "untouched": untouched,
        "p50": float(np.percentile(lat, 50)) if lat.size else float("nan"),
        "p95": float(np.percentile(lat, 95)) if lat.size else float("nan"),
        "max": float(lat.max()) if lat.size else float("nan"),
    }


def av_offset(
    clip: Path, size: tuple[int, int], seconds: float, filter_args: str | None, log: Path | None
) -> dict:
    """``ffmpeg -re`` NUT (raw video + PCM speech) through the live filter (``cat`` when
    ``filter_args`` is None): the wall-clock offset of audio against video at its output, per
    video frame. A frame is stamped once all its bytes are demuxed, so its size's transfer
    time is in the figure: ``cat`` in the same run gives that floor."""
    import av

    w, h = size
    scale = f"scale=-2:{h},pad={w}:{h}:(ow-iw)/2:0,fps={FPS},format=yuv420p"
    source = subprocess.Popen(
        [exe("ffmpeg"), "-nostdin", "-v", "error", "-re", "-stream_loop", "-1", "-i", str(clip),
         "-t", f"{seconds}", "-vf", scale, "-c:v", "rawvideo", "-c:a", "pcm_s16le", "-ac", "1",
         "-ar", "48000", "-f", "nut", "-"],
        stdout=subprocess.PIPE,
    )  # fmt: skip
    argv = [exe("lipsync-filter"), "-q", "-f", "nut", "--audio-from-stream"]
    argv = ["cat"] if filter_args is None else argv + shlex.split(filter_args)
    if log is not None and filter_args is not None:
        argv.append("-v")
    err = tempfile.TemporaryFile() if filter_args is not None else None  # noqa: SIM115
    proc = subprocess.Popen(argv, stdin=source.stdout, stdout=subprocess.PIPE, stderr=err)
    source.stdout.close()
    video: list[tuple[float, float]] = []  # (pts s, wall s out)
    audio: list[tuple[float, float]] = []
    with av.open(proc.stdout, format="nut", mode="r") as container:
        for packet in container.demux():
            now = time.perf_counter()
            if packet.pts is None or packet.size == 0:
                continue
            t = float(packet.pts * packet.time_base)
            (video if packet.stream.type == "video" else audio).append((t, now))
    codes = [proc.wait(), source.wait()]
    late = 0
    if err is not None:
        err.seek(0)
        text = err.read()
        err.close()
        if log is not None:
            log.write_bytes(text)
        found = re.search(rb"(\d+) of \d+ frames could not be finished", text)
        late = int(found.group(1)) if found else 0
    v, a = np.array(video), np.array(audio)
    offsets = np.array([])
    if v.size and a.size:
        inside = (v[:, 0] >= a[0, 0]) & (v[:, 0] <= a[-1, 0])
        # the audio packet holding each frame's time: when it came out, against the frame
        k = np.searchsorted(a[:, 0], v[inside, 0], side="right") - 1
        offsets = (a[k, 1] - v[inside, 1]) * 1000
    return {
        "codes": codes,
        "frames": len(video),
        "audio": len(audio),
        "p50": float(np.percentile(np.abs(offsets), 50)) if offsets.size else float("nan"),
        "p95": float(np.percentile(np.abs(offsets), 95)) if offsets.size else float("nan"),
        "max": float(np.abs(offsets).max()) if offsets.size else float("nan"),
        "mean": float(offsets.mean()) if offsets.size else float("nan"),
        "late": late,
    }


def timeline_summary(log: Path) -> str:
    """What the filter's per-frame timeline (``-v``: ``live frame ...`` lines) says: frames by
    outcome, median ms from arrival to the end of preparing and rendering, frames whose speech
    was not yet analysed when their mouth was taken."""
    outcomes: dict[str, int] = {}
    prepared, painted, unknown = [], [], 0
    for text in log.read_text(errors="replace").splitlines():
        m = re.search(r"live frame \d+ prepare (\S+) render (\S+) due \d+ left \d+ (.*)", text)
        if m is None:
            continue
        outcome = m.group(3).replace(" (speech not yet analysed)", "")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        unknown += "speech not yet analysed" in m.group(3)
        for span, into in ((m.group(1), prepared), (m.group(2), painted)):
            if span != "-":
                a, b = span.split("-", 1)
                into.append((float(a), float(b)))

    def med(spans: list, k: int) -> str:
        return f"{np.median([s[k] for s in spans]):.0f}" if spans else "-"

    return (
        f"  timeline: {outcomes}; median ms after arrival: prepare {med(prepared, 0)}-"
        f"{med(prepared, 1)}, render {med(painted, 0)}-{med(painted, 1)}; "
        f"speech not yet analysed for {unknown} frames"
    )


def line(name: str, r: dict) -> str:
    return (
        f"  {name:<28} p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  max {r['max']:7.1f} ms"
        f"  frames {r['frames']}  in order {r['in_order']}  missing {r['missing']}"
        f"  duplicated {r['dup']}  untouched {r['untouched']}  exit {r['code']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--sizes", default="1280x720,1920x1080")
    parser.add_argument("--clip", default=CLIP, help="a file of ../shared/real-clips")
    parser.add_argument("--filter-args", default="--live", help="options of lipsync-filter")
    parser.add_argument("--nut", action="store_true", help="also the NUT A/V offset")
    parser.add_argument(
        "--timeline", type=Path, help="keep the filter's per-frame timeline (-v) in this folder"
    )
    args = parser.parse_args()
    as_installed()
    clip = CLIPS / args.clip
    if not clip.exists():
        sys.exit(f"{clip} is missing: this bench needs ../shared/real-clips")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for text in args.sizes.split(","):
            size = tuple(int(v) for v in text.split("x"))
            y4m, wav = prepare(clip, size, args.seconds, tmp)
            header, picture, frames = frames_of(y4m)
            y4m.unlink()
            ours = [exe("lipsync-filter"), "-q", "--audio", str(wav)]
            ours += shlex.split(args.filter_args)
            log = None
            if args.timeline is not None:
                args.timeline.mkdir(parents=True, exist_ok=True)
                log = args.timeline / f"y4m_{text}.log"
                ours.append("-v")
            r_cat = run_live(["cat"], header, picture, frames)
            r_ours = run_live(ours, header, picture, frames, log)
            print(f"{text} {FPS} fps, {len(frames)} frames fed in real time:", flush=True)
            print(line("cat", r_cat), flush=True)
            print(line("lipsync-filter " + args.filter_args, r_ours), flush=True)
            if log is not None:
                print(timeline_summary(log), flush=True)
            del frames
            for name, middle in (("cat", None), ("lipsync-filter", args.filter_args)):
                if not args.nut:
                    break
                nut_log = None if args.timeline is None else args.timeline / f"nut_{text}.log"
                r = av_offset(clip, size, args.seconds, middle, nut_log)
                print(
                    f"  NUT with its speech, -re, {name}: A/V offset at the output "
                    f"|audio - video| "
                    f"p50 {r['p50']:.1f} ms, p95 {r['p95']:.1f} ms, max {r['max']:.1f} ms "
                    f"(one frame = {1000 / FPS:.0f} ms), mean audio - video {r['mean']:+.1f} ms; "
                    f"{r['frames']} frames ({r['late']} untouched: late), "
                    f"{r['audio']} audio packets, exit codes {r['codes']}",
                    flush=True,
                )
                if nut_log is not None and middle is not None:
                    print(timeline_summary(nut_log), flush=True)


if __name__ == "__main__":
    main()
