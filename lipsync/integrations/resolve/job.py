"""The helper the Resolve launchers run out of process, in lipsync's own environment.

    python -m lipsync.integrations.resolve.job --exported T.otio --plan P.json [choices…]

It settles the choices (given ones, else the settings file, else the defaults), copies the
exported timeline into the run folder, renders it in this process through the library
(:func:`lipsync.api.render_timeline`, what ``lipsync timeline render`` runs; progress as
lines, see :mod:`.command`), works out where each render goes back
(:mod:`.placement`) and writes the plan: JSON for the Python launcher, a Lua table
(``return {…}``) for the Lua one. The plan is written whatever happens; a failure is its
``error``, one sentence. Exit status 0 when a plan was written, 1 when not even that.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import shutil
import sys
import time
from pathlib import Path
from typing import TextIO

from lipsync.core.progress import ProgressCallback
from lipsync.integrations.resolve import command, layout
from lipsync.integrations.resolve import settings as S
from lipsync.integrations.resolve.placement import TRACK_NAME, plan_placements
from lipsync.integrations.resolve.plan_file import write_plan

log = logging.getLogger("lipsync")
PROGRESS_EVERY = 0.5  # s between two progress lines of one stage


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m " + command.JOB_MODULE, description=__doc__)
    p.add_argument("--exported", required=True, help="The timeline Resolve exported (.otio).")
    p.add_argument("--plan", required=True, help="Where to write the plan (.json or .lua).")
    p.add_argument("--start-frame", type=int, help="Timeline.GetStartFrame() in Resolve.")
    p.add_argument("--timeline-name", default="", help="The timeline's name in Resolve.")
    p.add_argument("--project-name", default="", help="The project's name in Resolve.")
    p.add_argument("--settings", help="The settings file (default: its usual place).")
    p.add_argument("--video-track")
    p.add_argument("--dub-track")
    p.add_argument("--renderer")
    p.add_argument("--model")
    p.add_argument("--output-dir")
    p.add_argument("--placement", choices=S.PLACEMENTS)
    p.add_argument("--handles", type=int)
    p.add_argument("--codec", choices=S.CODECS)
    face = p.add_mutually_exclusive_group()
    face.add_argument("--allow-no-face", dest="allow_no_face", action="store_true", default=None)
    face.add_argument("--require-face", dest="allow_no_face", action="store_false")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    log_to_stderr()
    plan: dict = {"version": 1, "ok": False, "error": None, "clips": [], "left": []}
    try:
        plan.update(run_job(args))
        plan["ok"] = plan.get("error") is None
    except S.SettingsError as e:
        plan["error"] = str(e)
    except Exception as e:  # the launcher shows this sentence; never a silent failure
        plan["error"] = f"The lip-sync helper failed unexpectedly ({type(e).__name__}: {e})."
    try:
        write_plan(Path(args.plan), plan)
    except OSError as e:
        print(f"lipsync: error: the plan '{args.plan}' cannot be written ({e}).", file=sys.stderr)
        return 1
    print(f"{command.PLAN}\t{args.plan}", flush=True)
    return 0


def run_job(args: argparse.Namespace) -> dict:
    settings_file = Path(args.settings or layout.settings_path())
    chosen = S.load(settings_file).merged(
        video_track=args.video_track, dub_track=args.dub_track, renderer=args.renderer,
        model=args.model, output_dir=args.output_dir, placement=args.placement,
        handles=args.handles, allow_no_face=args.allow_no_face, codec=args.codec,
    )  # fmt: skip
    exported = Path(args.exported)
    if not exported.is_file():
        return {"error": f"Resolve's export '{exported}' was not written: export again."}
    name = args.timeline_name or exported.stem
    out_root = Path(chosen.output_dir or layout.default_output_dir()).expanduser()
    project_dir = out_root / _safe(args.project_name or "Resolve")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run_dir = project_dir / f"{_safe(name)}-{stamp}"
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return {"error": f"The output folder '{run_dir}' cannot be created ({e.strerror}): "
                         "choose another output folder."}  # fmt: skip
    source = run_dir / f"{_safe(name)}.otio"
    shutil.copyfile(exported, source)
    result = run_dir / f"{_safe(name)} lip sync.otio"
    report_path = run_dir / "report.json"
    argv = command.render_args(
        str(source), str(result), str(report_path), str(project_dir / "media"),
        video_track=chosen.video_track, dub_track=chosen.dub_track, renderer=chosen.renderer,
        model=chosen.model, handles=chosen.handles, allow_no_face=chosen.allow_no_face,
        codec=chosen.codec,
    )  # fmt: skip
    error, summary = render(source, result, report_path, project_dir / "media", chosen)
    info = {
        "placement": chosen.placement,
        "track_name": TRACK_NAME,
        "timeline_name": name,
        "new_timeline_name": f"{name} lip sync {stamp}",
        "result": str(result),
        "report": str(report_path),
        "run_dir": str(run_dir),
        "summary": summary,
        "command": ["lipsync", *argv],
    }
    if not result.is_file() or not report_path.is_file():
        info["error"] = error or "lipsync timeline render stopped before writing its result."
        return info
    import opentimelineio as otio

    report = json.loads(report_path.read_text(encoding="utf-8"))
    timeline = otio.adapters.read_from_file(str(result))
    placed, left = plan_placements(timeline, report, args.start_frame)
    info.update(
        clips=[p.to_json() for p in placed],
        left=[x.to_json() for x in left],
        counts=report.get("counts", {}),
        warnings=list(report.get("warnings", [])),
        render_error=error,
    )
    return info


def render(
    source: Path, result: Path, report_path: Path, media_dir: Path, chosen: S.Settings
) -> tuple[str | None, str]:
    """Render the timeline ``source`` to ``result`` here, in this process, through the
    library (:func:`lipsync.api.render_timeline`), its progress as lines on stdout and its
    summary on stderr: (the error sentence if it failed or left clips unrendered, the
    summary)."""
    from lipsync.api import failed_clips, render_timeline
    from lipsync.core.constants import VIDEO_CODECS
    from lipsync.core.errors import LipsyncError
    from lipsync.core.media import EncodeOptions
    from lipsync.core.output_guard import check_outputs
    from lipsync.otio_adapters.render import RenderOptions

    options = RenderOptions(
        renderer=chosen.renderer,
        model=chosen.model,
        handles=chosen.handles,
        media_dir=media_dir,
        video_track=chosen.video_track,
        dub_tracks=(chosen.dub_track,) if chosen.dub_track else (),
        allow_no_face=chosen.allow_no_face,
        encode=EncodeOptions(codec=VIDEO_CODECS[chosen.codec]),
    )
    try:
        check_outputs(
            {"the result": result, "the report": report_path},
            {"the exported timeline": source, "the model": chosen.model},
        )
        report = render_timeline(
            source, result, options, on_progress=progress_lines(sys.stdout), report=report_path
        )
    except LipsyncError as e:
        print(f"lipsync: error: {e}", file=sys.stderr, flush=True)
        return str(e), ""
    summary = report.summary()
    sys.stderr.write(summary + "\n")
    return failed_clips(report, result), summary.strip()


def progress_lines(out: TextIO) -> ProgressCallback:
    """A progress callback printing :func:`command.progress_line` lines on ``out``, at most
    one per stage every PROGRESS_EVERY seconds (and each stage's last)."""
    last: dict[str, float] = {}

    def update(stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        final = total is not None and done >= total
        if not final and now - last.get(stage, -1e9) < PROGRESS_EVERY:
            return
        last[stage] = now
        out.write(command.progress_line(stage, done, total) + "\n")
        out.flush()

    return update


def log_to_stderr() -> None:
    """The library's log lines on stderr, as ``lipsync`` prints them (the launcher shows
    them)."""
    if not any(getattr(h, "_lipsync", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("lipsync: %(message)s"))
        handler._lipsync = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def _safe(name: str) -> str:
    """``name`` usable as a file name on every OS."""
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip(" .") or "timeline"


if __name__ == "__main__":
    sys.exit(main())
