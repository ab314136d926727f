"""The batch job file: which videos, which languages, which options (JSON, or YAML).

Format (version 1; every relative path is relative to the job file's folder)::

    {
      "version": 1,
      "output_dir": "dubbed",                 # default: "dubbed"
      "work_dir": "dubbed/.lipsync-batch",    # default: OUTPUT_DIR/.lipsync-batch
      "defaults": {"crf": 18, "chunk_seconds": 60},
      "inputs": [
        {"video": "talks/intro.mp4",
         "dubs": {"es": "dubs/intro_es.wav", "de": "dubs/intro_de.wav"}},
        {"directory": "talks/season2", "pattern": "*.mp4",
         "languages": ["es", "de"], "dubs": "{dir}/{stem}_{lang}.wav"},
        {"video": "talks/panel.mp4", "kind": "translate", "languages": ["fr"],
         "options": {"subtitles": "subs/panel.{lang}.srt", "face": "all"}}
      ]
    }

An input is one ``video`` or every file of a ``directory`` matching ``pattern``. Each
(video, language) is one job. ``kind`` ``sync`` (the default when ``dubs`` is given) lip-syncs
the video to a dub audio file per language: ``dubs`` maps language -> file, or is one template;
``translate`` dubs it with the translation pipeline first. Templates may use ``{stem}``,
``{name}``, ``{ext}``, ``{dir}`` (the video's folder) and ``{lang}``, nothing else
(:mod:`~lipsync.core.batch.templates`). ``output`` names each result inside ``output_dir``
(default ``{stem}_{lang}{ext}``) and may not lead outside it. ``options`` override
``defaults``; :data:`OPTION_TYPES` lists them all. Mistakes raise
:class:`~lipsync.core.errors.InputError` naming the file and the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from lipsync.core.batch.templates import TemplateError, fill, output_path, template_fields
from lipsync.core.errors import InputError, LipsyncError, MissingDependencyError
from lipsync.core.media import check_input_path
from lipsync.core.selection import SelectionOptions

FORMAT_VERSION = 1
DEFAULT_OUTPUT_DIR = "dubbed"
WORK_DIR_NAME = ".lipsync-batch"
DEFAULT_PATTERN = "*.mp4"
DEFAULT_OUTPUT = "{stem}_{lang}{ext}"
KINDS = ("sync", "translate")

NUMBER = (int, float)
#: Option name -> accepted types. Engine options, then chunking, then translation only.
OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "renderer": (str,),
    "model": (str,),
    "profile": (str,),
    "face": (str, int, list),
    "start": NUMBER,
    "end": NUMBER,
    "text": (str,),
    "lang": (str,),
    "codec": (str,),
    "crf": (int,),
    "preset": (str,),
    "tune": (str,),
    "audio_mode": (str,),
    "allow_no_face": (bool,),
    "lookahead": NUMBER,
    "detect_every": (int,),
    "chunk_seconds": NUMBER,
    "lead_in": NUMBER,
    "source": (str,),
    "asr": (str,),
    "asr_model": (str,),
    "mt": (str,),
    "mt_model": (str,),
    "subtitles": (str,),
    "tts": (str,),
    "tts_model": (str,),
    "speakers": (int,),
    "duck_db": NUMBER,
    "loudness": NUMBER,
    "stem": (str,),
}
PATH_OPTIONS = ("model", "profile", "asr_model", "mt_model", "subtitles", "tts_model", "stem")
TRANSLATE_ONLY = ("source", "asr", "asr_model", "mt", "mt_model", "subtitles", "tts",
                  "tts_model", "speakers", "duck_db", "loudness", "stem")  # fmt: skip
TOP_KEYS = ("version", "output_dir", "work_dir", "defaults", "inputs")
INPUT_KEYS = ("video", "directory", "pattern", "kind", "languages", "dubs", "output", "options")
_LANG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")


@dataclass(frozen=True, eq=False)
class JobSpec:
    """One (video, language) job. ``dub`` is the dub audio (``sync`` jobs); ``options`` the
    merged options (plain JSON values, paths absolute)."""

    id: str
    kind: str
    video: str
    language: str
    output: str
    dub: str | None = None
    options: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("id", "kind", "video", "language", "output",
                                              "dub", "options")}  # fmt: skip


@dataclass(frozen=True, eq=False)
class BatchSpec:
    """A validated job file: its jobs, where outputs and work files go."""

    source: str
    jobs: tuple[JobSpec, ...]
    output_dir: str
    work_dir: str


def load_job_file(path: str | Path, *, check_media: bool = True) -> BatchSpec:
    """Read and validate the job file ``path`` (``.json``, or ``.yaml``/``.yml`` with PyYAML).
    ``check_media`` also checks that every video and dub file exists."""
    p = Path(path)
    check_input_path(p, "job")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"The job file '{p}' is not UTF-8 text.") from e
    return parse_job_file(_decode(p, text), p, check_media=check_media)


def _decode(path: Path, text: str) -> Any:
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError as e:
            raise MissingDependencyError(
                f"Reading the YAML job file '{path}' needs the Python package 'PyYAML': "
                "install it with: pip install pyyaml, or write the job file as JSON."
            ) from e
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as e:
            where = getattr(e, "problem_mark", None)
            at = f" at line {where.line + 1}" if where is not None else ""
            raise InputError(f"The job file '{path}' is not valid YAML{at}: {_first(e)}.") from e
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        where = f"line {e.lineno}, column {e.colno}"
        raise InputError(f"The job file '{path}' is not valid JSON ({where}: {e.msg}).") from e


def _first(e: BaseException) -> str:
    return str(getattr(e, "problem", None) or e).strip().rstrip(".")


def parse_job_file(doc: Any, path: str | Path, *, check_media: bool = True) -> BatchSpec:
    """Validate the decoded document ``doc`` of the job file ``path`` (see the module note)."""
    p = Path(path)
    base = p.parent.resolve()

    def fail(where: str, message: str) -> InputError:
        return InputError(f"The job file '{p}': {where}: {message}")

    if not isinstance(doc, Mapping):
        raise InputError(f"The job file '{p}' must hold a mapping with an 'inputs' list.")
    _check_keys(doc, TOP_KEYS, "the top level", fail)
    version = doc.get("version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise fail("version", f"{version!r} is not supported: use {FORMAT_VERSION}.")
    output = _string(doc, "output_dir", "output_dir", fail)
    output_dir = _resolve(base, output or DEFAULT_OUTPUT_DIR)
    work = _string(doc, "work_dir", "work_dir", fail)
    work_dir = _resolve(base, work) if work else output_dir / WORK_DIR_NAME
    defaults = _options(doc.get("defaults", {}), "defaults", base, fail)
    inputs = doc.get("inputs")
    if not isinstance(inputs, list) or not inputs:
        raise fail("inputs", "give a non-empty list of inputs (each with 'video' or 'directory').")
    jobs: list[JobSpec] = []
    for k, item in enumerate(inputs):
        jobs.extend(_input_jobs(item, f"inputs[{k}]", base, output_dir, defaults, fail))
    _check_unique(jobs, p)
    if check_media:
        whole: dict[str, bool] = {}  # video -> checked for truncation
        for job in jobs:
            _check_media(job, fail)
            if job.video not in whole:
                _check_whole(job, fail)
                whole[job.video] = True
    return BatchSpec(str(p), tuple(jobs), str(output_dir), str(work_dir))


def _input_jobs(item, where, base, output_dir, defaults, fail) -> list[JobSpec]:
    if not isinstance(item, Mapping):
        raise fail(where, "each input must be a mapping with 'video' or 'directory'.")
    _check_keys(item, INPUT_KEYS, where, fail)
    if ("video" in item) == ("directory" in item):
        raise fail(where, "give exactly one of 'video' (a file) or 'directory' (a folder).")
    options = {**defaults, **_options(item.get("options", {}), f"{where}.options", base, fail)}
    dubs = item.get("dubs")
    kind = item.get("kind", "sync" if dubs is not None else "translate")
    if kind not in KINDS:
        raise fail(f"{where}.kind", f"'{kind}' is not a job kind: use 'sync' or 'translate'.")
    languages = _languages(item, dubs, where, fail)
    if kind == "sync" and dubs is None:
        raise fail(where, "a 'sync' input needs 'dubs' (language -> audio file, or a template).")
    if kind == "translate" and dubs is not None:
        raise fail(f"{where}.dubs", "a 'translate' input makes its own dubs: remove 'dubs'.")
    own = item.get("options", {})
    stray = sorted(set(own) & set(TRANSLATE_ONLY)) if kind == "sync" else []
    if stray:
        raise fail(f"{where}.options.{stray[0]}", "is an option of 'translate' inputs only.")
    template = _string(item, "output", f"{where}.output", fail) or DEFAULT_OUTPUT
    jobs = []
    for video in _videos(item, where, base, fail):
        for lang in languages:
            fields = template_fields(video, lang)
            dub = None
            if kind == "sync":
                raw = dubs[lang] if isinstance(dubs, Mapping) else dubs
                assert raw is not None  # a 'sync' input without dubs was refused above
                dub = str(_resolve(base, _fill(raw, fields, f"{where}.dubs", fail)))
            opts = dict(options)
            subs = opts.get("subtitles")
            if isinstance(subs, str):
                subs = _fill(subs, fields, f"{where}.options.subtitles", fail)
                opts["subtitles"] = str(_resolve(base, subs))
            job_id = f"{video.stem}.{lang}"
            try:
                output = output_path(output_dir, template, fields)
            except TemplateError as e:
                raise fail(f"{where}.output (job {job_id})", f"{e}.") from e
            job = JobSpec(job_id, kind, str(video), lang, str(output), dub, opts)
            _check_output(job, where, fail)
            jobs.append(job)
    return jobs


def _languages(item, dubs, where, fail) -> list[str]:
    langs = item.get("languages")
    if langs is None:
        if isinstance(dubs, Mapping):
            langs = list(dubs)
        else:
            raise fail(where, "give 'languages' (a list of codes such as es, de).")
    if isinstance(langs, str) or not isinstance(langs, list) or not langs:
        raise fail(f"{where}.languages", "give a non-empty list of language codes.")
    for lang in langs:
        if not isinstance(lang, str) or not _LANG.match(lang):
            raise fail(f"{where}.languages", f"{lang!r} is not a language code such as 'es'.")
    if len(set(langs)) != len(langs):
        raise fail(f"{where}.languages", "a language is listed twice.")
    if isinstance(dubs, Mapping):
        for lang in langs:
            if lang not in dubs:
                raise fail(f"{where}.dubs", f"no dub is given for the language '{lang}'.")
        for lang, value in dubs.items():
            if not isinstance(value, str) or not value:
                raise fail(f"{where}.dubs.{lang}", "give the dub audio file's path.")
    elif dubs is not None and (not isinstance(dubs, str) or not dubs):
        raise fail(f"{where}.dubs", "give a mapping language -> file, or one path template.")
    return list(langs)


def _videos(item, where, base, fail) -> list[Path]:
    if "video" in item:
        return [_resolve(base, _string(item, "video", f"{where}.video", fail) or "")]
    folder = _resolve(base, _string(item, "directory", f"{where}.directory", fail) or "")
    if not folder.is_dir():
        raise fail(f"{where}.directory", f"the folder '{folder}' does not exist.")
    pattern = _string(item, "pattern", f"{where}.pattern", fail) or DEFAULT_PATTERN
    videos = sorted(p for p in folder.glob(pattern) if p.is_file())
    if not videos:
        raise fail(f"{where}.directory", f"no file in '{folder}' matches '{pattern}'.")
    return videos


def _fill(template: str, fields: dict[str, str], where: str, fail) -> str:
    try:
        return fill(template, fields)
    except TemplateError as e:
        raise fail(where, f"{e}.") from e


def _options(raw: Any, where: str, base: Path, fail) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise fail(where, "give a mapping of option names to values.")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        types = OPTION_TYPES.get(key)
        if types is None:
            known = ", ".join(sorted(OPTION_TYPES))
            raise fail(where, f"unknown option '{key}' (known options: {known}).")
        if isinstance(value, bool) and bool not in types:
            types = ()  # True is an int to Python, not to a job file
        if value is not None and not isinstance(value, types):
            words = {float: "number", int: "whole number", str: "string", bool: "true or false",
                     list: "list of face ids"}  # fmt: skip
            names = " or ".join(words.get(t, t.__name__) for t in types) or "number"
            raise fail(f"{where}.{key}", f"{value!r} is not a {names}.")
        if key == "face" and value is not None:
            try:
                SelectionOptions(face=cast(Any, value))  # one sentence now, not one per chunk
            except InputError as e:
                raise fail(f"{where}.face", str(e)[0].lower() + str(e)[1:]) from None
        if key in PATH_OPTIONS and isinstance(value, str) and "{" not in value:
            value = str(_resolve(base, value))
        out[key] = value
    for key in ("chunk_seconds", "lead_in"):
        value = out.get(key)
        if value is not None and (value < 0 or (key == "chunk_seconds" and value <= 0)):
            raise fail(f"{where}.{key}", f"{value} is out of range: give a positive number of s.")
    _check_encoding(out, where, fail)
    return out


def _check_encoding(options: dict[str, Any], where: str, fail) -> None:
    """The output encoding of a job, refused when the file is read rather than when each
    chunk starts: an x264 preset and tune, a CRF of 0 to 51, an audio mode keeping the dub."""
    from lipsync.core.constants import DEFAULT_VIDEO_CODEC, VIDEO_CODECS
    from lipsync.core.engine import X264_PRESETS
    from lipsync.core.media.writer import AUDIO_MODES, valid_tunes

    preset, crf, mode = options.get("preset"), options.get("crf"), options.get("audio_mode")
    codec = options.get("codec")
    if codec is not None and codec not in VIDEO_CODECS:
        raise fail(f"{where}.codec", f"'{codec}' is not a video codec: use one of "
                                      f"{', '.join(VIDEO_CODECS)}.")  # fmt: skip
    if preset is not None and preset not in X264_PRESETS:
        raise fail(f"{where}.preset", f"'{preset}' is not an x264 preset: use one of "
                                       f"{', '.join(X264_PRESETS)}.")  # fmt: skip
    if crf is not None and not 0 <= crf <= 51:
        raise fail(f"{where}.crf", f"{crf} is out of range: use 0 (lossless) to 51.")
    tunes = valid_tunes(DEFAULT_VIDEO_CODEC)
    if options.get("tune") is not None and options["tune"] not in tunes:
        raise fail(f"{where}.tune", f"'{options['tune']}' is not an x264 tune: use one of "
                                     f"{', '.join(tunes)}.")  # fmt: skip
    modes = [m for m in AUDIO_MODES if m != "none"]  # "none" would drop the dub
    if mode is not None and mode not in modes:
        raise fail(f"{where}.audio_mode", f"'{mode}' is not an audio mode: use one of "
                                           f"{', '.join(modes)}.")  # fmt: skip


def _string(doc: Mapping, key: str, where: str, fail) -> str | None:
    value = doc.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise fail(where, f"{value!r} is not a path or name: give a non-empty string.")
    return value


def _check_keys(doc: Mapping, allowed: tuple[str, ...], where: str, fail) -> None:
    for key in doc:
        if key not in allowed:
            raise fail(where, f"unknown field '{key}' (allowed: {', '.join(allowed)}).")


def _resolve(base: Path, value: str) -> Path:
    if "\0" in value:
        raise InputError(f"The path {value!r} holds a NUL character, which no file name can.")
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _check_output(job: JobSpec, where: str, fail) -> None:
    from lipsync.core.batch.settings import encoder
    from lipsync.core.engine import check_output_format
    from lipsync.core.errors import LipsyncError

    out = Path(job.output)
    for src in (job.video, job.dub):
        if src is not None and out.resolve() == Path(src).resolve():
            raise fail(f"{where}.output", f"the output '{out}' would overwrite the input '{src}'.")
    try:  # a container that cannot hold the job's codec: now, not after its chunks render
        check_output_format(out, encoder(job.options))
    except LipsyncError as e:
        raise fail(f"{where}.output (job {job.id})", str(e)[0].lower() + str(e)[1:]) from e


def _check_unique(jobs: list[JobSpec], path: Path) -> None:
    seen: dict[str, JobSpec] = {}
    ids: dict[str, int] = {}
    for k, job in enumerate(jobs):
        key = str(Path(job.output).resolve())
        if key in seen:
            raise InputError(
                f"The job file '{path}': two jobs write '{job.output}' ({seen[key].video} and "
                f"{job.video}, {job.language}): give the inputs distinct 'output' templates."
            )
        seen[key] = job
        n = ids.get(job.id, 0)
        ids[job.id] = n + 1
        if n:
            jobs[k] = JobSpec(f"{job.id}-{n + 1}", job.kind, job.video, job.language, job.output,
                              job.dub, job.options)  # fmt: skip


def _check_media(job: JobSpec, fail) -> None:
    try:
        check_input_path(job.video, "video")
        if job.dub is not None:
            check_input_path(job.dub, f"dub audio ({job.language})")
        subs = job.options.get("subtitles")
        if job.kind == "translate" and subs:
            check_input_path(subs, f"subtitles ({job.language})")
    except LipsyncError as e:
        raise fail(f"job {job.id}", str(e)) from e


def _check_whole(job: JobSpec, fail) -> None:
    """Refuse a truncated video when the job file is read, not when its chunks run: the
    sentence says how to keep the part that is there (a batch has no --allow-truncated)."""
    from lipsync.core.media.probe import find_truncation

    try:
        cut = find_truncation(job.video)
    except LipsyncError:
        return  # not readable media: the job fails with its own sentence when it runs
    if cut is not None:
        raise fail(f"job {job.id}", cut.sentence("batch"))
