"""The helper's command line, the same from the Python and the Lua launcher; the plan file
as Lua reads it; the placement values computed from a rendered timeline."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

import opentimelineio as otio
import pytest

from lipsync.integrations.resolve import command, installer
from lipsync.integrations.resolve.placement import plan_placements
from lipsync.integrations.resolve.plan_file import to_lua

RT, TR = otio.opentime.RationalTime, otio.opentime.TimeRange
ODD = ["/opt/my env/bin/python", 'it\'s "quoted"', "C:\\Program Files\\x\\", "tab\there", "ñ"]


def lua(script: str, *args: str) -> str:
    proc = subprocess.run(["lua5.4", "-e", script, *args], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def lua_launcher_functions(python: str, call: str) -> str:
    """Load the installed Lua launcher (its test hook set) and print ``call``'s result."""
    source = installer.render_lua(dict(installer.environment(), python=python))
    script = f"LIPSYNC_LUA_TEST = true\nlocal f = assert(load(io.read('a')))()\n{call}\n"
    proc = subprocess.run(["lua5.4", "-e", script], input=source, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize(
    "python", ["/venv/bin/python", ODD[0], "C:\\Users\\é d\\venv\\Scripts\\python.exe"]
)
def test_lua_builds_the_same_command_line_as_python(python):
    request = command.JobRequest(
        exported="/tmp/lipsync-resolve-1/timeline.otio", plan="/tmp/x y/plan.lua",
        start_frame=86400, timeline_name="Scene 'one' \"final\"", project_name="Dub ñ",
    )  # fmt: skip
    argv = command.job_command(python, request)
    call = (
        "local a = f.job_argv(" + ", ".join(
            to_lua(v) for v in (python, request.exported, request.plan, 86400.0,
                                request.timeline_name, request.project_name)
        ) + ")\n"
        "for _, v in ipairs(a) do io.write(v, '\\0') end io.write('\\n')\n"
        "io.write(f.shell_join(a, false), '\\n') io.write(f.shell_join(a, true), '\\n')"
    )  # fmt: skip
    out = lua_launcher_functions(python, call).split("\n")
    assert out[0].split("\0")[:-1] == argv
    assert out[1] == command.shell_join(argv) and out[2] == command.shell_join(argv, windows=True)
    assert shlex.split(out[1])[:-1] == argv  # /bin/sh reads back the very argv ("2>&1" last)


def test_quoting_odd_arguments_reads_back():
    joined = command.shell_join(ODD)
    assert shlex.split(joined) == [*ODD, "2>&1"]
    proc = subprocess.run(["sh", "-c", "printf '%s\\0' " + joined.rsplit(" 2>&1", 1)[0]],
                          capture_output=True, text=True)  # fmt: skip
    assert proc.stdout.split("\0")[:-1] == ODD
    assert command.quote_windows('a"b\\') == '"a\\"b\\\\"'
    assert command.quote_windows("C:\\dir\\") == '"C:\\dir\\\\"'


def test_job_command_and_render_args():
    argv = command.job_command(
        "py", command.JobRequest("t.otio", "p.json", 90000, "Scene", "Dub", dub_track="A2",
                                 handles=0, allow_no_face=False),
    )  # fmt: skip
    assert argv == [
        "py", "-m", "lipsync.integrations.resolve.job", "--exported", "t.otio", "--plan", "p.json",
        "--start-frame", "90000", "--timeline-name", "Scene", "--project-name", "Dub",
        "--dub-track", "A2", "--handles", "0", "--require-face",
    ]  # fmt: skip
    args = command.render_args("in.otio", "out.otio", "r.json", "m", dub_track="Dub", handles=4)
    assert args[:7] == ["timeline", "render", "in.otio", "-o", "out.otio", "--report", "r.json"]
    assert args[-2:] == ["--dub-track", "Dub"]
    args = command.render_args("in.otio", "out.otio", "r.json", "m", codec="prores")
    assert args[-2:] == ["--codec", "prores"]
    argv = command.job_command("py", command.JobRequest("t.otio", "p.json", codec="prores"))
    assert argv[-2:] == ["--codec", "prores"]
    line = command.progress_line("Timeline clips", 1, 2)
    assert command.parse_line(line + "\n") == ("progress", ("Timeline clips", 1, 2))
    assert command.parse_line(f"{command.PLAN}\t/x/p.json") == ("plan", ("/x/p.json",))
    assert command.parse_line("lipsync: hello") == ("text", ("lipsync: hello",))


def test_the_plan_reads_back_in_lua():
    plan = {"ok": True, "error": None, "clips": [{"path": "/a b/é.mov", "start_frame": 4,
            "note": 'say "hi"\n\\ok'}], "counts": {"rendered": 1}, "ratio": 0.5}  # fmt: skip
    script = (
        "local p = assert(load('return ' .. io.read('a')))()\n"
        "local c = p.clips[1]\n"
        "io.write(tostring(p.ok), '|', tostring(p.error), '|', c.path, '|', c.start_frame, '|',"
        " c.note, '|', p.counts.rendered, '|', p.ratio)"
    )
    proc = subprocess.run(["lua5.4", "-e", script], input=to_lua(plan), capture_output=True,
                          text=True)  # fmt: skip
    assert proc.stdout == 'true|nil|/a b/é.mov|4|say "hi"\n\\ok|1|0.5'


def test_placement_from_a_rendered_timeline():
    """A clip cut from source frame 90010 for 20 frames at record frame 5, rendered with 4
    handle frames (render frames 90006..90033): placed from render frame 4 to 23."""
    tl = otio.schema.Timeline("Scene", global_start_time=RT(86400, 25))
    track = otio.schema.Track("Video 1")
    track.append(otio.schema.Gap(source_range=TR(RT(0, 25), RT(5, 25))))
    render = "/renders/a.mov"
    for name, scalar in (("A", 1), ("fast", 2)):
        clip = otio.schema.Clip(name, source_range=TR(RT(90010, 25), RT(20, 25)))
        clip.media_reference = otio.schema.ExternalReference(render, TR(RT(90006, 25), RT(28, 25)))
        clip.metadata["lipsync"] = {"render": render, "time_scalar": scalar,
                                    "content_hash": "ab" * 20, "source": {"fps": "25"}}  # fmt: skip
        track.append(clip)
    tl.tracks.append(track)
    report = {"clips": [
        {"track": 'V1 "Video 1"', "index": 1, "name": "A", "status": "rendered"},
        {"track": 'V1 "Video 1"', "index": 2, "name": "fast", "status": "rendered"},
        {"track": 'V1 "Video 1"', "index": 3, "name": "C", "status": "skipped", "reason": "no dub"},
    ]}  # fmt: skip
    placed, left = plan_placements(tl, report, start_frame=86400)
    assert [(p.start_frame, p.end_frame, p.frames, p.record_frame) for p in placed] == [
        (4, 23, 20, 86405)
    ]
    assert placed[0].custom_data == "lipsync:" + ("ab" * 8)
    assert [(x.name, x.status) for x in left] == [("fast", "rendered"), ("C", "skipped")]
    assert "2x speed" in left[0].reason
    json.dumps([p.to_json() for p in placed])


def test_the_code_resolve_runs_needs_only_the_standard_library():
    """The launcher imports the bridge into Resolve's own Python: nothing but the standard
    library (and our stdlib-only modules) may come with it."""
    path = installer.environment()["path"]
    code = (
        f"import sys; sys.path.insert(0, {path!r})\n"  # as the launcher does, no site-packages
        "from lipsync.integrations.resolve import bridge\n"
        "extra = sorted({m.split('.')[0] for m in sys.modules} - set(sys.stdlib_module_names)"
        " - {'lipsync', '__main__'})\n"
        "ours = sorted(m for m in sys.modules if m.startswith('lipsync.'))\n"
        "print(extra, ours)\n"
    )
    run = [sys.executable, "-I", "-S", "-c", code]
    out = subprocess.run(run, capture_output=True, text=True, check=True)
    extra, ours = out.stdout.strip().split("] [")
    assert extra == "["
    for name in ours.strip("]").replace("'", "").split(", "):
        assert name.rsplit(".", 1)[-1] in {"integrations", "resolve", "bridge", "command",
                                          "layout", "settings", "dialog", "transform",
                                          "core", "errors"}, name  # fmt: skip
    assert "lipsync.core.errors" in ours  # the one error root, standard library only
