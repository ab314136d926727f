"""The command lines of the Resolve action, and the lines its helper prints back.

Inside Resolve, a launcher (Python or Lua) exports the timeline and runs the helper
``python -m lipsync.integrations.resolve.job`` with the Python of the environment lipsync is
installed in. The helper runs ``lipsync timeline render`` with :func:`render_args` and writes
the placement plan; while it works it prints :data:`PROGRESS` and :data:`PLAN` lines (tab
separated) among its human output, which the launcher shows. The Lua launcher builds the
same argv (the tests compare them) and runs it through the shell with :func:`shell_join`.

Standard library only (Python 3.7+): this module also runs inside Resolve's own Python.
"""

from __future__ import annotations

from dataclasses import dataclass

JOB_MODULE = "lipsync.integrations.resolve.job"
PROGRESS = "LIPSYNC-PROGRESS"  # PROGRESS \t stage \t done \t total ("-" when unknown)
PLAN = "LIPSYNC-PLAN"  # PLAN \t path of the plan file, once written


@dataclass(frozen=True)
class JobRequest:
    """What the launcher knows and the editor chose. ``None`` choices are left to the
    settings file (then the defaults)."""

    exported: str  # the timeline as Resolve exported it (.otio)
    plan: str  # where the helper writes the plan: .json, or .lua for the Lua launcher
    start_frame: int | None = None  # Timeline.GetStartFrame()
    timeline_name: str = ""
    project_name: str = ""
    settings: str | None = None  # the settings file (default: its usual place)
    video_track: str | None = None
    dub_track: str | None = None
    renderer: str | None = None
    model: str | None = None
    output_dir: str | None = None
    placement: str | None = None
    handles: int | None = None
    allow_no_face: bool | None = None
    codec: str | None = None


def job_command(python: str, request: JobRequest) -> list[str]:
    """The helper's argv (never a shell string): options in a fixed order, only those given."""
    argv = [python, "-m", JOB_MODULE, "--exported", request.exported, "--plan", request.plan]
    if request.start_frame is not None:
        argv += ["--start-frame", str(int(request.start_frame))]
    if request.timeline_name:
        argv += ["--timeline-name", request.timeline_name]
    if request.project_name:
        argv += ["--project-name", request.project_name]
    for flag, value in (
        ("--settings", request.settings),
        ("--video-track", request.video_track),
        ("--dub-track", request.dub_track),
        ("--renderer", request.renderer),
        ("--model", request.model),
        ("--output-dir", request.output_dir),
        ("--placement", request.placement),
        ("--codec", request.codec),
    ):
        if value:
            argv += [flag, value]
    if request.handles is not None:
        argv += ["--handles", str(int(request.handles))]
    if request.allow_no_face is not None:
        argv.append("--allow-no-face" if request.allow_no_face else "--require-face")
    return argv


def render_args(
    timeline: str,
    output: str,
    report: str,
    media_dir: str,
    *,
    video_track: str | None = None,
    dub_track: str | None = None,
    renderer: str = "auto",
    model: str | None = None,
    handles: int = 12,
    allow_no_face: bool = False,
    codec: str = "h264",
) -> list[str]:
    """``lipsync`` arguments of the render: ``timeline render TIMELINE -o OUTPUT …``."""
    args = ["timeline", "render", timeline, "-o", output, "--report", report]
    args += ["--media-dir", media_dir, "--handles", str(handles), "--renderer", renderer]
    if model:
        args += ["--model", model]
    if video_track:
        args += ["--video-track", video_track]
    if dub_track:
        args += ["--dub-track", dub_track]
    if allow_no_face:
        args.append("--allow-no-face")
    if codec != "h264":
        args += ["--codec", codec]
    return args


# --- the shell, for the Lua launcher (io.popen takes a string) --------------------------------


def quote_posix(arg: str) -> str:
    """``arg`` for /bin/sh: single-quoted unless plainly safe."""
    safe = arg and all((c.isascii() and c.isalnum()) or c in "@%+=:,./-_" for c in arg)
    return arg if safe else "'" + arg.replace("'", "'\"'\"'") + "'"


def quote_windows(arg: str) -> str:
    """``arg`` for cmd.exe and the C runtime: always double-quoted; quotes, and backslashes
    before them, escaped as the runtime's argument parser expects."""
    out, slashes = [], 0
    for c in arg:
        if c == "\\":
            slashes += 1
            continue
        if c == '"':
            out.append("\\" * (2 * slashes + 1) + '"')
        else:
            out.append("\\" * slashes + c)
        slashes = 0
    out.append("\\" * (2 * slashes))
    return '"' + "".join(out) + '"'


def shell_join(argv: list[str], windows: bool = False) -> str:
    """One shell command line of ``argv``, its stderr merged into stdout. On Windows the line
    is wrapped in one more pair of quotes, which ``cmd /c`` strips."""
    if windows:
        return '"' + " ".join(quote_windows(a) for a in argv) + ' 2>&1"'
    return " ".join(quote_posix(a) for a in argv) + " 2>&1"


# --- lines the helper prints ------------------------------------------------------------------


def progress_line(stage: str, done: int, total: int | None) -> str:
    stage = " ".join(stage.split())
    return f"{PROGRESS}\t{stage}\t{done}\t{'-' if total is None else total}"


def parse_line(line: str) -> tuple[str, tuple]:
    """``("progress", (stage, done, total))``, ``("plan", (path,))`` or ``("text", (line,))``."""
    line = line.rstrip("\r\n")
    parts = line.split("\t")
    if parts[0] == PROGRESS and len(parts) == 4:
        try:
            total = None if parts[3] == "-" else int(parts[3])
            return "progress", (parts[1], int(parts[2]), total)
        except ValueError:
            pass
    if parts[0] == PLAN and len(parts) == 2:
        return "plan", (parts[1],)
    return "text", (line,)


def progress_text(stage: str, done: int, total: int | None) -> str:
    """``"Timeline clips: 2 of 5"`` / ``"Rendering: 40"``."""
    return f"{stage}: {done} of {total}" if total else f"{stage}: {done}"
