"""``lipsync timeline render``: lip-sync every picture clip of an edited timeline to the dub.

For each enabled clip on the video track whose media is a readable file and over which dub
audio plays: the dub clips heard over it are mixed (their own source ranges, gaps as silence,
speed changes followed), the clip's frames plus handles are cut losslessly from its media with
their timecode, the engine lip-syncs that excerpt to the mix, and only the clip's media
reference is replaced by the render (its available_range; the source_range is untouched, so the
edit is frame-identical). ``metadata["lipsync"]`` on the clip records what was done, including
the original reference, so that the next render can tell what changed:

    version, tool_version, status ("rendered" or "no_face"), renderer, model, content_hash,
    render, source {path, frames, handles, fps}, source_reference (the replaced reference as
    OTIO JSON), time_scalar, audio [{path, clip, track, source_range, record_range}],
    frames, lip_synced

The content hash covers the picture (the media file's content and the frames taken), the mixed
dub samples and the renderer, so a render is redone exactly when one of those changes, and a
render file named by its hash is reused wherever it already exists.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

import lipsync
from lipsync.core import constants as C
from lipsync.core.errors import InputError, LipsyncError, OutputError
from lipsync.core.media import EncodeOptions, MediaInfo, check_output_path, make_folder, probe
from lipsync.core.media.excerpt import (
    FrameRange,
    check_frame_count,
    frame_span,
    with_handles,
    write_excerpt,
)
from lipsync.core.media.fingerprint import file_digest
from lipsync.core.media.mix import MIX_SAMPLE_RATE, digest, place, read_span, retime, write_mix
from lipsync.core.progress import ProgressCallback
from lipsync.core.render.speaker import SpeakerProfile
from lipsync.otio_adapters import report as R
from lipsync.otio_adapters.conventions import (
    DUB_TRACK,
    METADATA_KEY,
    PICTURE_TRACK,
    ROLE_DUB,
    ROLE_PICTURE,
    SCHEMA_VERSION,
    find_track,
    plain_path,
    track_label,
)
from lipsync.otio_adapters.errors import TimelineError
from lipsync.otio_adapters.plan import (
    ClipWork,
    DubPlan,
    MediaUse,
    Skip,
    plan_clip,
    plan_dub,
    timeline_media,
    track_offset,
)
from lipsync.otio_adapters.timeline_io import read_timeline, write_timeline

log = logging.getLogger("lipsync")

DEFAULT_HANDLES = 12  # frames rendered beyond each end of a clip, for the editor to trim into
DEFAULT_MEDIA_DIR = "lipsync_media"  # beside the output timeline, unless --media-dir
RENDER_SUFFIX = ".mov"  # QuickTime keeps the timecode track editors relink by
RENDER_NAME = re.compile(r"[\w.-]+-[0-9a-f]{12}" + re.escape(RENDER_SUFFIX))  # <clip>-<hash>.mov
CLIPS_STAGE = "Timeline clips"
TIMELINE_KINDS = (otio.schema.Timeline, otio.schema.SerializableCollection, otio.schema.Clip)


_ENCODE_FIELDS = ("codec", "crf", "preset", "tune", "pix_fmt", "audio_mode", "audio_bitrate")


def _model_digest(model: str | None) -> str | None:
    """What identifies a renderer's model: a file's digest; for a folder (a MuseTalk export)
    its manifest's digest (it holds every file's hash), else its files' digests."""
    if not model:
        return None
    path = Path(model)
    if path.is_file():
        return file_digest(path)
    if path.is_dir():
        manifest = path / "manifest.json"
        if manifest.is_file():
            return file_digest(manifest)
        files = sorted(p for p in path.rglob("*") if p.is_file())
        return hashlib.sha256("".join(file_digest(p) for p in files).encode()).hexdigest()
    return model


@dataclass(frozen=True)
class RenderOptions:
    """How to render a timeline. ``video_track``/``dub_tracks``: a track name or a number
    counted from 1 among tracks of its kind (None/empty: the dub-timeline conventions).
    ``handles``: frames beyond each end of a clip. ``force``: render even unchanged clips."""

    renderer: str = C.DEFAULT_RENDERER
    model: str | None = None
    handles: int = DEFAULT_HANDLES
    media_dir: Path | None = None
    video_track: str | None = None
    dub_tracks: tuple[str, ...] = ()
    allow_no_face: bool = False
    force: bool = False
    encode: EncodeOptions = field(default_factory=EncodeOptions)
    profile: SpeakerProfile | None = None  # the speaker's mouths (lipsync profile build)

    def __post_init__(self) -> None:
        if self.handles < 0:
            raise InputError(f"--handles {self.handles} is negative: give 0 or more frames.")
        if self.encode.codec == "ffv1":  # QuickTime takes no FFV1
            raise InputError(
                "The clip renders are QuickTime .mov files, which take no FFV1 video: use "
                "--codec h264, prores or dnxhr."
            )


def render_timeline(
    source: str | Path,
    output: str | Path,
    options: RenderOptions | None = None,
    on_progress: ProgressCallback | None = None,
    side_outputs: Mapping[str, str | Path | None] | None = None,
) -> R.RenderReport:
    """Render every clip of the timeline ``source`` that needs it and write the timeline,
    with only those clips' media swapped, to ``output`` (atomically). Never overwrites
    ``source`` nor any media file of the timeline: ``output``, the ``side_outputs`` the
    caller will write (role -> path, e.g. the report) and the renders in the media folder are
    checked against them before any clip is rendered. Returns the report; a clip that could
    not be rendered is in it, not raised."""
    started = time.perf_counter()
    options = options or RenderOptions()
    source, output = Path(source), Path(output)
    check_output_path(output, [source])
    media_dir = Path(options.media_dir or output.parent / DEFAULT_MEDIA_DIR).absolute()
    if media_dir.exists() or source.suffix.lower() == ".otioz":  # a bundle unpacks into it
        make_folder(media_dir, "the media folder", "--media-dir")
    loaded = read_timeline(source, extract_dir=media_dir)
    if not isinstance(loaded.root, TIMELINE_KINDS):
        raise TimelineError(
            f"The file '{source}' holds an OTIO {_schema(loaded.root)} rather than a timeline: "
            "give a timeline exported by your editor (or made with `lipsync timeline new`)."
        )
    media = timeline_media(loaded.root, loaded.base_dir)
    check_render_outputs(media, media_dir, output, side_outputs or {}, options.model)
    make_folder(media_dir, "the media folder", "--media-dir")  # created once all is checked
    job = _Job(options, media_dir, loaded.base_dir, on_progress or (lambda s, d, t: None))
    warnings = list(loaded.warnings)
    try:
        results = job.render_root(loaded.root, f"'{source}'", warnings)
    except _EngineSetupError as e:  # a bad renderer or model: no clip could be rendered
        raise e.error  # noqa: B904 (its own cause is kept)
    if _has_relative_urls(loaded.root) and output.resolve().parent != loaded.base_dir:
        warnings.append(
            f"Relative media paths are kept as they were: they resolve against '{loaded.base_dir}'"
            f", not the output's folder '{output.resolve().parent}'."
        )
    write_timeline(loaded.root, output, [source])
    return R.RenderReport(
        input=str(source),
        output=str(output),
        media_dir=str(media_dir),
        clips=tuple(results),
        warnings=tuple(warnings),
        seconds=time.perf_counter() - started,
    )


def check_render_outputs(
    media: list[MediaUse],
    media_dir: Path,
    output: Path,
    side_outputs: Mapping[str, str | Path | None],
    model: str | None = None,
) -> None:
    """Refuse, before any work, an output that is one of the timeline's ``media`` (same
    path, symbolic or hard link), and a media file lying in ``media_dir`` under a name of the
    kind renders are written to (``<clip>-<12 hex digits>.mov``), which a render would replace,
    unless it is a lip-sync render itself (by the clip's metadata or its container tags)."""
    from lipsync.core.output_guard import check_outputs

    inputs = {f"media of {use.role}": use.path for use in media if not use.render}
    check_outputs({"-o/--output": output, **side_outputs}, {**inputs, "--model": model})
    folder = _resolved(media_dir)
    for use in media:
        place = _resolved(use.path.parent) / use.path.name
        if use.render or place.parent != folder or not RENDER_NAME.fullmatch(place.name):
            continue
        if place.is_file() and _tagged_render(place):
            continue
        raise OutputError(
            f"The media '{use.path}' of {use.role} is in the media folder '{media_dir}' under "
            "a name that lipsync gives its renders, so a render could replace it: choose "
            "another --media-dir (inputs are never overwritten)."
        )


def _schema(obj) -> str:
    """The schema name of ``obj``, the one in the file when OTIO does not know it."""
    return getattr(obj, "original_schema_name", None) or obj.schema_name()


def _resolved(path: Path) -> Path:
    try:
        return path.absolute().resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _tagged_render(path: Path) -> bool:
    try:
        return is_lipsync_render(probe(path).metadata)
    except LipsyncError:
        return False


class _Job:
    """One render run: options, the engine (built once), probes and digests cached."""

    def __init__(
        self, options: RenderOptions, media_dir: Path, base_dir: Path, report: ProgressCallback
    ):
        self.options = options
        self.media_dir = media_dir
        self.base_dir = base_dir
        self.report = report
        self._engine = None
        self._probes: dict[Path, MediaInfo] = {}

    # --- walking the timeline -----------------------------------------------------------------

    def render_root(self, root, where: str, warnings: list[str]) -> list[R.ClipResult]:
        if isinstance(root, otio.schema.Timeline):
            return self.render_timeline(root, where, warnings)
        if isinstance(root, otio.schema.SerializableCollection):
            results = []
            for child in root:
                results += self.render_root(child, where, warnings)
            return results
        if isinstance(root, otio.schema.Clip):
            warnings.append(f"{where} holds a single clip, not a timeline: there is no dub track.")
            return [self.render_item(root, "clip", 0, 0.0, None, root.name)]
        warnings.append(f"{where} holds a {root.schema_name()}, not a timeline: nothing rendered.")
        return []

    def render_timeline(self, tl, where: str, warnings: list[str]) -> list[R.ClipResult]:
        opts = self.options
        tracks = [t for t in tl.tracks if isinstance(t, otio.schema.Track)]
        video = find_track(
            tl, opts.video_track, otio.schema.TrackKind.Video, ROLE_PICTURE, PICTURE_TRACK, where
        )
        if video is None:
            video = next((t for t in tracks if t.kind == otio.schema.TrackKind.Video), None)
        if video is None:
            warnings.append(f"The timeline '{tl.name}' has no video track: nothing rendered.")
            return []
        specs = opts.dub_tracks or (None,)
        audio = otio.schema.TrackKind.Audio
        dubs = [find_track(tl, s, audio, ROLE_DUB, DUB_TRACK, where) for s in specs]
        dubs = [d for d in dubs if d is not None]
        dub_plan = None
        if dubs:
            dub_plan = plan_dub([(d, track_label(tracks, d)) for d in dubs], self.base_dir)
        else:
            labels = ", ".join(track_label(tracks, t) for t in tracks if t.kind == audio)
            warnings.append(
                f"The timeline '{tl.name}' has no dub track (an audio track named "
                f"'{DUB_TRACK}' or with metadata lipsync.role 'dub'): name one with "
                f"--dub-track (its audio tracks: {labels or 'none'})."
            )
        label = track_label(tracks, video)
        offset = track_offset(video)
        items = [(i, it) for i, it in enumerate(video) if not isinstance(it, otio.schema.Gap)]
        items = [(i, it) for i, it in items if not isinstance(it, otio.schema.Transition)]
        results = []
        for n, (index, item) in enumerate(items):
            self.report(CLIPS_STAGE, n, len(items))
            results.append(self.render_item(item, label, index, offset, dub_plan, tl.name))
        self.report(CLIPS_STAGE, len(items), len(items))
        return results

    def render_item(self, item, label, index, offset, dub: DubPlan | None, tl_name: str):
        started = time.perf_counter()
        base = R.ClipResult(tl_name, label, index, item.name or "unnamed", R.SKIPPED)
        if not isinstance(item, otio.schema.Clip):
            why = f"a nested {item.schema_name()}: clips inside it are not rendered"
            return replace(base, reason=why)
        work = plan_clip(item, offset, self.base_dir)
        if isinstance(work, Skip):
            src = str(work.source_path) if work.source_path else None
            return replace(base, status=work.status, reason=work.reason, source=src)
        base = replace(base, source=str(work.source_path))
        try:
            result = self.render_clip(work, dub, base)
        except LipsyncError as e:  # this clip's media cannot be used: the others go on
            result = replace(base, status=R.FAILED, reason=str(e))
        return replace(result, seconds=time.perf_counter() - started)

    # --- one clip -----------------------------------------------------------------------------

    def render_clip(self, work: ClipWork, dub: DubPlan | None, base: R.ClipResult):
        record = (work.clip_record_start, work.clip_record_end - work.clip_record_start)
        base = replace(base, record=record)
        if dub is None:
            return replace(base, reason="no dub track in the timeline")
        problem = dub.problem(work.record_start, work.record_end)
        if problem is not None:
            return replace(base, status=problem.status, reason=problem.reason)
        if not dub.overlapping(work.clip_record_start, work.clip_record_end):
            if _shows_render(work):
                _restore(work)
                why = "no dub audio plays over it now: its original media is back"
                return replace(base, status=R.RESTORED, reason=why)
            return replace(base, reason="no dub audio plays over the clip")
        info = self._probe(work.source_path)
        if not info.video:
            return replace(base, reason=f"'{work.source_path}' has no video stream")
        if not work.shows_render and is_lipsync_render(info.metadata):
            why = (
                f"its media '{work.source_path}' is a lip-sync render already (its container "
                "tags say so): it is not rendered again; give the timeline with the original "
                "media to redo it"
            )
            return replace(base, status=R.UNCHANGED, render=str(work.source_path), reason=why)
        video = info.video[0]
        fps = video.fps or Fraction(25)
        origin = _media_origin(work.source_ref, video.metadata, info.metadata, float(fps))
        n = video.frame_count
        cut = frame_span(work.clip_media_start - origin, work.clip_media_duration, fps)
        if cut.first < 0 or cut.end > n:
            why = (
                f"the clip shows frames {cut.first}–{cut.end - 1} of '{work.source_path}', "
                f"which has frames 0–{n - 1}"
            )
            return replace(base, reason=why)
        seen = frame_span(work.media_start - origin, work.media_duration, fps)
        seen = FrameRange(max(0, seen.first), min(n, seen.end) - max(0, seen.first))
        frames = with_handles(seen, self.options.handles, n)  # transitions and handles
        media_offset = frames.first / fps - Fraction(work.media_start - origin)
        window_start = work.record_start + float(media_offset) / work.scalar
        seconds = frames.count / fps
        mix, audio = self._mix(dub, window_start, float(seconds), work.scalar)
        content_hash = self._content_hash(work, frames, fps, mix)
        name = re.sub(r"[^\w.-]+", "_", base.name).strip("._")[:40] or "clip"
        render_path = self.media_dir / f"{name}-{content_hash[:12]}{RENDER_SUFFIX}"
        base = replace(base, content_hash=content_hash, audio=tuple(audio))
        previous = work.previous
        if not self.options.force and previous.get("content_hash") == content_hash:
            if previous.get("status") == "no_face" and not self.options.allow_no_face:
                return replace(base, status=R.UNCHANGED, reason="no face to lip-sync (as before)")
            shown = previous.get("render")
            if work.shows_render and isinstance(shown, str) and Path(shown).is_file():
                return replace(
                    base, status=R.UNCHANGED, render=shown, frames=frames.count,
                    lip_synced=previous.get("lip_synced"),
                )  # fmt: skip
        status, lip_synced, warnings = R.REUSED, None, ()
        if self.options.force or not render_path.is_file():
            try:
                sync = self._render(work, frames, fps, origin, mix, render_path)
            except LipsyncError as e:
                from lipsync.core.engine import NoFaceError

                if not isinstance(e, NoFaceError):
                    return replace(base, status=R.FAILED, reason=str(e))
                if _shows_render(work):
                    _restore(work)
                work.clip.metadata[METADATA_KEY] = self._metadata(work, "no_face", content_hash)
                return replace(base, reason="no face to lip-sync in the clip")
            status, lip_synced, warnings = R.RENDERED, sync.rendered, sync.warnings
        self._swap(work, render_path, frames, fps, origin, content_hash, audio, lip_synced)
        return replace(
            base, status=status, render=str(render_path), frames=frames.count,
            lip_synced=lip_synced, warnings=tuple(warnings),
            reason=f"speed {work.scalar:g}x: the dub was mapped through it"
            if work.scalar != 1 else "",
        )  # fmt: skip

    def _mix(self, dub: DubPlan, start: float, seconds: float, scalar: float):
        """The dub heard over record time [start, start + seconds / scalar), as
        ``float32 (round(seconds * rate),)`` in the picture's (media) time, and its sources."""
        rate = MIX_SAMPLE_RATE
        length = seconds / scalar
        pieces, used = [], []
        for seg in dub.overlapping(start, start + length):
            a, b = max(start, seg.record_start), min(start + length, seg.record_end)
            media_from = seg.media_start - seg.media_origin + (a - seg.record_start) * seg.scalar
            samples = read_span(seg.path, media_from, (b - a) * seg.scalar, rate)
            if seg.scalar != 1:
                samples = retime(samples, round((b - a) * rate))
            pieces.append((round((a - start) * rate), samples))
            used.append(
                {
                    "path": plain_path(seg.path),
                    "clip": seg.name,
                    "track": seg.track,
                    "source_range": _range(seg.source_range),
                    "record_range": _range(seg.record_range),
                }
            )
        mix = place(round(length * rate), pieces)
        if scalar != 1:
            mix = retime(mix, round(seconds * rate))
        return mix, used

    def _content_hash(self, work: ClipWork, frames, fps, mix) -> str:
        opts = self.options
        data = {
            "schema": SCHEMA_VERSION,
            "picture": file_digest(work.source_path),
            "frames": [frames.first, frames.count],
            "fps": str(fps),
            "scalar": work.scalar,
            "audio": digest(mix, MIX_SAMPLE_RATE),
            "renderer": opts.renderer,
            "model": _model_digest(opts.model),
            # what the file is encoded with: another --crf, --preset or --tune renders again
            "encode": [getattr(opts.encode, k) for k in _ENCODE_FIELDS],
        }
        if opts.profile is not None:  # a different speaker profile draws other mouths
            data["profile"] = opts.profile.digest()
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def _render(self, work: ClipWork, frames, fps, origin, mix, dest: Path):
        engine = self.engine
        start, _ = _new_range(work, frames, fps, origin, frames.count)
        try:
            timecode = otio.opentime.to_timecode(start, start.rate) if start.value >= 0 else None
        except Exception:
            timecode = None
        with tempfile.TemporaryDirectory(dir=self.media_dir, prefix=".lipsync-work-") as tmp:
            excerpt, wav = Path(tmp) / "excerpt.mov", Path(tmp) / "dub.wav"
            written = write_excerpt(
                work.source_path, excerpt, frames, timecode=timecode,
                on_progress=lambda d, t: self.report("Cutting excerpt", d, t),
            )  # fmt: skip
            check_frame_count(work.source_path, frames, written)
            write_mix(wav, mix, MIX_SAMPLE_RATE)
            sync = engine.run(excerpt, wav, dest, on_progress=self.report)
        # the engine's warnings name the temporary excerpt: name the clip's media instead
        where = f"{work.source_path}' (frames {frames.first}–{frames.end - 1})"
        warnings = tuple(w.replace(f"{excerpt}'", where) for w in sync.warnings)
        return replace(sync, warnings=warnings)

    def _swap(self, work, render_path, frames, fps, origin, content_hash, audio, lip_synced):
        start, duration = _new_range(work, frames, fps, origin, frames.count)
        meta = self._metadata(work, "rendered", content_hash)
        meta.update(
            render=plain_path(render_path),
            source={
                "path": plain_path(work.source_path),
                "frames": [frames.first, frames.count],
                "handles": [frames.lead, frames.tail],
                "fps": str(fps),
            },
            source_reference=_source_json(work),
            time_scalar=work.scalar,
            audio=audio,
            frames=frames.count,
            lip_synced=lip_synced,
        )
        ref = otio.schema.ExternalReference(
            target_url=plain_path(render_path),
            available_range=otio.opentime.TimeRange(start, duration),
        )
        ref.name = work.source_ref.name
        work.clip.media_reference = ref
        work.clip.metadata[METADATA_KEY] = meta

    def _metadata(self, work: ClipWork, status: str, content_hash: str) -> dict:
        return {
            "version": SCHEMA_VERSION,
            "tool_version": lipsync.__version__,
            "status": status,
            "renderer": self.options.renderer,
            "model": self.options.model,
            "content_hash": content_hash,
        }

    @property
    def engine(self):
        """The engine, built on first use; a failure to build it ends the whole run."""
        if self._engine is None:
            from lipsync.core.engine import LipSyncEngine, SyncOptions

            encode = replace(self.options.encode, audio_mode="replace")
            try:
                self._engine = LipSyncEngine(
                    SyncOptions(
                        renderer=self.options.renderer,
                        model=self.options.model,
                        encode=encode,
                        allow_no_face=self.options.allow_no_face,
                        profile=self.options.profile,
                    )
                )
            except LipsyncError as e:
                raise _EngineSetupError(e) from e
        return self._engine

    def _probe(self, path: Path) -> MediaInfo:
        if path not in self._probes:
            self._probes[path] = probe(path)
        return self._probes[path]


# --- helpers ----------------------------------------------------------------------------------


class _EngineSetupError(Exception):
    """Carries an engine construction error past the per-clip error handling."""

    def __init__(self, error: LipsyncError) -> None:
        super().__init__(str(error))
        self.error = error


def _media_origin(ref, stream_meta: dict, container_meta: dict, fps: float) -> float:
    """Media time (s) of the file's first frame: the reference's available_range start, else
    the file's own timecode, else 0."""
    if ref.available_range is not None:
        return ref.available_range.start_time.to_seconds()
    tc = stream_meta.get("timecode") or container_meta.get("timecode")
    if tc:
        try:
            return otio.opentime.from_timecode(tc, fps).to_seconds()
        except Exception:
            pass
    return 0.0


def _new_range(work: ClipWork, frames, fps: Fraction, origin: float, count: int):
    """The render's available_range (start, duration) in the media's own rate: its first
    frame is the excerpt's, so the clip's untouched source_range lands on the same frames."""
    ref = work.source_ref
    if ref.available_range is not None:
        rate = ref.available_range.start_time.rate
        origin_t = ref.available_range.start_time
    else:
        rate = work.clip.trimmed_range().start_time.rate
        origin_t = otio.opentime.RationalTime.from_seconds(origin, rate)
    start = origin_t + _snap(otio.opentime.RationalTime(frames.first, float(fps)).rescaled_to(rate))
    duration = _snap(otio.opentime.RationalTime(count, float(fps)).rescaled_to(rate))
    return _snap(start), duration


def _snap(t: otio.opentime.RationalTime) -> otio.opentime.RationalTime:
    value = round(t.value)
    return otio.opentime.RationalTime(value, t.rate) if abs(t.value - value) < 1e-6 else t


def _range(r: otio.opentime.TimeRange) -> dict:
    return {"start": r.start_time.value, "duration": r.duration.value, "rate": r.duration.rate}


def is_lipsync_render(tags: dict) -> bool:
    """Whether a media file's container ``tags`` mark it as written by lipsync (the
    provenance tags every render carries), so a timeline that lost our metadata (FCP XML
    keeps none) does not get its renders rendered again."""
    lowered = {str(k).lower(): str(v) for k, v in (tags or {}).items()}
    if lowered.get(C.PROVENANCE_KEY.lower()) == "lip-synced":
        return True
    return lowered.get("comment", "").startswith(C.PROVENANCE_COMMENT.split("{")[0])


def _shows_render(work: ClipWork) -> bool:
    return work.shows_render


def _source_json(work: ClipWork) -> str:
    stored = work.previous.get("source_reference")
    if _shows_render(work) and isinstance(stored, str):
        return stored
    return otio.adapters.write_to_string(work.source_ref, "otio_json", indent=-1)


def _restore(work: ClipWork) -> None:
    """Put the clip's original media back and drop our metadata."""
    work.clip.media_reference = work.source_ref
    if METADATA_KEY in work.clip.metadata:
        del work.clip.metadata[METADATA_KEY]


def _has_relative_urls(root) -> bool:
    refs = []
    if hasattr(root, "find_clips"):
        refs = [c.media_reference for c in root.find_clips()]
    elif isinstance(root, otio.schema.Clip):
        refs = [root.media_reference]
    for ref in refs:
        url = getattr(ref, "target_url", "") or ""
        if url and "://" not in url and not Path(url).is_absolute() and ":" not in url[:3]:
            return True
    return False
