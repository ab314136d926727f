"""The Scripts-menu action inside DaVinci Resolve: export, render out of process, bring back.

1. The current timeline is exported with ``Timeline.Export(path, resolve.EXPORT_OTIO)``
   (Resolve 18.5 and later).
2. The editor's choices come from a dialog (UIManager) or, without one, the settings file.
3. The helper (:mod:`.job`) runs ``lipsync timeline render`` in lipsync's own environment,
   with progress shown, and writes a plan.
4. The renders come back without touching the editor's items: imported into a "Lip sync" bin
   (``MediaPool.ImportMedia``) and placed on a new video track above the originals at the
   same record frames (``MediaPool.AppendToTimeline`` clip infos), each with a marker; or the
   whole result imported as a new timeline (``MediaPool.ImportTimelineFromFile``).

Every problem ends as one sentence in a dialog or the console, never a traceback.
Standard library only (Python 3.7+): this module runs inside Resolve's own Python.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace

from lipsync.core.errors import LipsyncError  # standard library only, like this module
from lipsync.integrations.resolve import command, layout, transform
from lipsync.integrations.resolve import settings as S
from lipsync.integrations.resolve.dialog import Console, open_dialogs

MIN_VERSION = (18, 5)  # Timeline.Export(…, resolve.EXPORT_OTIO) appeared in 18.5
BIN_NAME = "Lip sync"
VIDEO_ONLY = 1  # clipInfo mediaType: 1 video only, 2 audio only


class ActionError(LipsyncError):
    """Something the editor needs to know; ``str()`` is the sentence to show."""


def run_from_resolve(scope: dict, python: str, out=print) -> str:
    """Entry point of the launcher: ``scope`` is the launcher's globals (``resolve``,
    ``fusion``/``fu``, ``bmd`` as Resolve provides them), ``python`` lipsync's interpreter.
    Returns the message shown last."""
    resolve, fusion, bmd = connect(scope)
    talk = open_dialogs(fusion, bmd, out) if resolve is not None else Console(out)
    try:
        message = run_action(resolve, talk, python)
    except ActionError as e:
        message = str(e)
    except Exception as e:  # a bug or an API surprise: still one sentence
        message = f"Lip sync stopped unexpectedly ({type(e).__name__}: {e})."
    talk.done()
    talk.tell(message)
    return message


def connect(scope: dict):
    """(resolve, fusion, bmd) from the script's globals, as Resolve's menu provides them."""
    resolve = scope.get("resolve")
    fusion = scope.get("fusion") or scope.get("fu")
    bmd = scope.get("bmd")
    if resolve is None and bmd is not None:
        try:
            resolve = bmd.scriptapp("Resolve")
        except Exception:
            resolve = None
    if fusion is None and resolve is not None:
        try:
            fusion = resolve.Fusion()
        except Exception:
            fusion = None
    return resolve, fusion, bmd


def check_version(resolve) -> tuple[int, ...]:
    version = tuple(int(v) for v in (resolve.GetVersion() or [0])[:3] if str(v).isdigit())
    if version[:2] < MIN_VERSION or getattr(resolve, "EXPORT_OTIO", None) is None:
        shown = resolve.GetVersionString() or ".".join(str(v) for v in version)
        raise ActionError(
            f"DaVinci Resolve {shown} cannot export timelines as OTIO: Lip Sync needs "
            "Resolve 18.5 or later."
        )
    return version


def run_action(resolve, talk: Console, python: str, settings_file: str | None = None) -> str:
    if resolve is None:
        raise ActionError(
            "Lip Sync runs inside DaVinci Resolve: start it from Workspace > Scripts."
        )
    check_version(resolve)
    project = resolve.GetProjectManager().GetCurrentProject()
    if not project:
        raise ActionError("No project is open in Resolve: open one and run Lip Sync again.")
    timeline = project.GetCurrentTimeline()
    if not timeline:
        raise ActionError(
            "No timeline is open: open the timeline to lip-sync on the Edit page and run "
            "Lip Sync again."
        )
    name = timeline.GetName()
    settings_file = settings_file or str(layout.settings_path())
    try:
        settings = S.load(settings_file)
    except S.SettingsError as e:
        raise ActionError(str(e)) from e
    request = {}
    if talk.available:
        videos, audios = _tracks(timeline, "video"), _tracks(timeline, "audio")
        choices = talk.ask(name, videos, audios, settings)
        if choices is None:
            return "Lip sync cancelled; nothing was changed."
        S.save(settings_file, replace(settings, **choices).check())  # "(default)" -> None
        request.update({k: v for k, v in choices.items() if v is not None})
    else:
        talk.tell(
            "This edition of Resolve offers no script dialogs: using the settings in "
            f"'{settings_file}' (edit that file to choose tracks, renderer, output folder "
            "and placement)."
        )
    work = tempfile.mkdtemp(prefix="lipsync-resolve-")
    try:
        return _export_render_apply(resolve, project, timeline, python, settings_file, request,
                                    work, talk)  # fmt: skip
    finally:  # the exported timeline and the plan are ours: leave nothing in the temp folder
        shutil.rmtree(work, ignore_errors=True)


def _export_render_apply(
    resolve, project, timeline, python: str, settings_file: str, request: dict, work: str,
    talk: Console,
) -> str:  # fmt: skip
    """Export ``timeline`` as OTIO into ``work``, render it in the helper, place the renders."""
    name = timeline.GetName()
    exported = os.path.join(work, "timeline.otio")
    subtype = getattr(resolve, "EXPORT_NONE", None)
    args = (exported, resolve.EXPORT_OTIO) + (() if subtype is None else (subtype,))
    if not timeline.Export(*args) or not os.path.isfile(exported):
        raise ActionError(
            f"Resolve could not export the timeline '{name}' as OTIO: check that it has "
            "clips and that the temporary folder is writable."
        )
    job = command.JobRequest(
        exported=exported, plan=os.path.join(work, "plan.json"),
        start_frame=int(timeline.GetStartFrame()), timeline_name=name,
        project_name=project.GetName(), settings=settings_file, **request,
    )  # fmt: skip
    plan = run_job(command.job_command(python, job), job.plan, talk)
    return apply_plan(project, timeline, plan, talk)


def _tracks(timeline, kind: str) -> list[tuple[str, str]]:
    letter = kind[0].upper()
    count = int(timeline.GetTrackCount(kind) or 0)
    return [
        (f"{letter}{i}", f"{letter}{i}  {timeline.GetTrackName(kind, i) or ''}".rstrip())
        for i in range(1, count + 1)
    ]


def run_job(argv: list[str], plan_path: str, talk: Console) -> dict:
    """Run the helper, showing its progress; its plan (or ActionError with its last words)."""
    talk.progress("Rendering the lip sync…")
    flags = 0x08000000 if sys.platform.startswith("win") else 0  # CREATE_NO_WINDOW
    try:
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            universal_newlines=True, encoding="utf-8", errors="replace", creationflags=flags,
        )  # fmt: skip
    except OSError as e:
        raise ActionError(
            f"lipsync's Python '{argv[0]}' cannot be started ({e.strerror}): run "
            "`lipsync resolve install` again from the environment lipsync is installed in."
        ) from e
    last = ""
    assert proc.stdout is not None  # stdout=PIPE
    try:
        for line in proc.stdout:
            kind, values = command.parse_line(line)
            if kind == "progress":
                talk.progress(command.progress_text(*values))
            elif kind == "text" and values[0].strip():
                talk.out(values[0])
                last = values[0].strip()
        proc.wait()
    except BaseException:
        proc.kill()
        raise
    try:
        with open(plan_path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        raise ActionError(
            "The lip-sync helper stopped without a result"
            + (f": {last}" if last else f" (exit status {proc.returncode}).")
        ) from None


def apply_plan(project, timeline, plan: dict, talk: Console) -> str:
    """Bring the renders into Resolve as the plan says; the sentence to show the editor."""
    if not plan.get("ok"):
        raise ActionError(plan.get("error") or "The lip sync failed.")
    clips = plan.get("clips") or []
    render_error = plan.get("render_error")
    media_pool = project.GetMediaPool()
    if plan.get("placement") == S.TIMELINE:
        new = import_timeline(media_pool, plan)
        project.SetCurrentTimeline(new)
        done = f"The lip-synced timeline '{new.GetName()}' was added to the media pool."
    elif not clips:
        why = _first_reason(plan)
        raise ActionError("No clip was lip-synced" + (f": {why}" if why else "."))
    else:
        notes: list[str] = []
        index = place_on_new_track(media_pool, timeline, clips, plan, notes)
        done = (
            f"{len(clips)} lip-synced clip{'s' if len(clips) != 1 else ''} placed on the new "
            f"track V{index} '{plan.get('track_name')}'."
        )
        for note in notes:
            talk.out(f"Lip Sync: {note}")
        done = " ".join([done, *notes])
    if render_error:
        done += " " + render_error
    return done


def _first_reason(plan: dict) -> str:
    for left in plan.get("left") or []:
        if left.get("reason"):
            return f"'{left['name']}' {left['status']}: {left['reason']}"
    warnings = plan.get("warnings") or []
    return warnings[0].rstrip(".") if warnings else ""


def lip_sync_bin(media_pool):
    root = media_pool.GetRootFolder()
    for folder in root.GetSubFolderList() or []:
        if folder.GetName() == BIN_NAME:
            return folder
    folder = media_pool.AddSubFolder(root, BIN_NAME)
    if not folder:
        raise ActionError(f"Resolve could not add the media pool bin '{BIN_NAME}'.")
    return folder


def import_renders(media_pool, paths: list[str]) -> dict:
    """path -> MediaPoolItem in the "Lip sync" bin, importing those not there yet."""
    folder = lip_sync_bin(media_pool)
    found = {_file_path(item): item for item in folder.GetClipList() or []}
    missing = [p for p in dict.fromkeys(paths) if os.path.normcase(p) not in found]
    if missing:
        before = media_pool.GetCurrentFolder()
        media_pool.SetCurrentFolder(folder)
        try:
            imported = media_pool.ImportMedia(missing) or []
        finally:
            if before:
                media_pool.SetCurrentFolder(before)
        for item in imported:
            found[_file_path(item)] = item
    result = {}
    for path in paths:
        item = found.get(os.path.normcase(path))
        if item is None:
            raise ActionError(f"Resolve could not import the render '{path}'.")
        result[path] = item
    return result


def _file_path(item) -> str:
    return os.path.normcase(str(item.GetClipProperty("File Path") or ""))


def place_on_new_track(
    media_pool, timeline, clips: list[dict], plan: dict, notes: list[str] | None = None
) -> int:
    """Add a video track above all others and put each render there at its record frame,
    marked, with its original's transform, crop and compositing (:mod:`.transform`); returns
    the track's index. The editor's items are never touched. ``notes`` receives a sentence
    for each thing that could not be carried over (a refused property, a transition)."""
    items = import_renders(media_pool, [c["path"] for c in clips])
    if not timeline.AddTrack("video"):
        raise ActionError("Resolve could not add a video track to the timeline.")
    index = int(timeline.GetTrackCount("video"))
    timeline.SetTrackName("video", index, plan.get("track_name") or BIN_NAME)
    try:
        placed = _append(media_pool, timeline, items, clips, index, exclusive_end=False)
    except ActionError:
        timeline.DeleteTrack("video", index)  # ours, with whatever landed on it
        raise
    for clip, item in placed:
        item.AddMarker(0, "Green", "Lip sync", clip["note"], 1, clip["custom_data"])
    said = transform.carry_over(timeline, placed)
    if notes is not None:
        notes.extend(said)
    return index


def _append(media_pool, timeline, items, clips, index, exclusive_end):
    infos = [_clip_info(items[c["path"]], c, index, exclusive_end) for c in clips]
    appended = media_pool.AppendToTimeline(infos) or []
    if len(appended) != len(clips):
        raise ActionError(
            f"Resolve placed {len(appended)} of {len(clips)} renders on the new track; "
            "none were kept. Try the new-timeline placement."
        )
    by_start = {int(item.GetStart()): item for item in appended}
    placed, short = [], []
    for clip in clips:
        item = by_start.get(clip["record_frame"])
        if item is None:
            raise ActionError(f"Resolve placed the render of '{clip['name']}' elsewhere.")
        if int(item.GetDuration()) == clip["frames"] - 1 and not exclusive_end:
            short.append((clip, item))  # this Resolve reads endFrame as exclusive
        else:
            placed.append((clip, item))
    if short:
        timeline.DeleteClips([item for _, item in short], False)
        again = _append(media_pool, timeline, items, [c for c, _ in short], index, True)
        placed += again
    return placed


def _clip_info(item, clip: dict, index: int, exclusive_end: bool) -> dict:
    return {
        "mediaPoolItem": item,
        "startFrame": clip["start_frame"],
        "endFrame": clip["end_frame"] + (1 if exclusive_end else 0),
        "trackIndex": index,
        "recordFrame": clip["record_frame"],
        "mediaType": VIDEO_ONLY,
    }


def import_timeline(media_pool, plan: dict):
    folder = lip_sync_bin(media_pool)
    before = media_pool.GetCurrentFolder()
    media_pool.SetCurrentFolder(folder)
    try:
        new = media_pool.ImportTimelineFromFile(
            plan["result"], {"timelineName": plan["new_timeline_name"], "importSourceClips": True}
        )
    finally:
        if before:
            media_pool.SetCurrentFolder(before)
    if not new:
        raise ActionError(
            f"Resolve could not import the lip-synced timeline '{plan['result']}': import it "
            "with File > Import > Timeline to see why."
        )
    return new
