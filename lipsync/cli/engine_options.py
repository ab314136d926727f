"""The engine options every lip-syncing command shares, declared once.

:func:`engine_options` adds the chosen ones to a click command and hands the command one
:class:`EngineParams` (as its ``engine`` argument) instead of a parameter each;
:func:`sync_options` turns that into the :class:`~lipsync.core.sync_options.SyncOptions` of
the run. Defaults are those of ``SyncOptions``; renderer names come from the renderer
registry when the option is parsed or shown, so a renderer registered later is offered too.

    @click.command("sync")
    @engine_options(*ALL)
    def command(engine: EngineParams, ...):
        options = sync_options(engine)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import click

from lipsync.core import constants as C

if TYPE_CHECKING:
    from lipsync.core.sync_options import SyncOptions

F = TypeVar("F", bound=Callable[..., Any])

#: The defaults shown in ``--help``: SyncOptions' own (a test holds them equal), taken from
#: the constants so that declaring a command imports no part of the engine.
DEFAULTS: dict[str, Any] = {
    "renderer": C.DEFAULT_RENDERER,
    "face": "largest",
    "audio_mode": "replace",
    "codec": "h264",
    "crf": C.DEFAULT_CRF,
    "preset": C.DEFAULT_PRESET,
    "tune": "auto",
    "lookahead": None,  # C.LOOKAHEAD_SECONDS, shorter for large frames (see its help)
}

#: Every engine option by its parameter name, in the order they are listed in ``--help``.
ALL = (
    "text",
    "text_file",
    "lang",
    "asr",
    "asr_model",
    "renderer",
    "model",
    "profile",
    "face",
    "start",
    "end",
    "audio_mode",
    "codec",
    "crf",
    "preset",
    "tune",
    "allow_no_face",
    "allow_truncated",
    "lookahead",
)


class RegistryChoice(click.Choice):
    """A name from a registry, listed by ``names`` ("module:function" returning the names),
    which is imported only when the names are first needed (to check a value or to show
    ``--help``), so a name registered after this option was declared is offered too."""

    def __init__(self, names: str) -> None:
        self._names = names
        super().__init__((), case_sensitive=True)

    @property
    def choices(self) -> tuple[str, ...]:
        import importlib

        module, function = self._names.split(":")
        return tuple(getattr(importlib.import_module(module), function)())

    @choices.setter
    def choices(self, value: object) -> None:  # click.Choice.__init__ assigns it
        pass


class RendererChoice(RegistryChoice):
    """A renderer's name, one of :func:`lipsync.core.render.registry.renderer_names`. An
    unknown name is an :class:`~lipsync.core.errors.InputError` (exit 3) naming the known
    ones, as the library says it."""

    name = "renderer"

    def __init__(self) -> None:
        super().__init__("lipsync.core.render.registry:renderer_names")

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        from lipsync.core.errors import InputError

        names = self.choices
        if value in names:
            return value
        raise InputError(f"Unknown renderer '{value}': choose one of {', '.join(names)}.")


def face_backend_choice() -> RegistryChoice:
    """The face backend's name, one of :func:`lipsync.core.face.backend.backend_names`."""
    return RegistryChoice("lipsync.core.face.backend:backend_names")


def _option(*decls: str, **kwargs: Any) -> Callable[[F], F]:
    return click.option(*decls, **kwargs)


_OPTIONS: dict[str, Callable[[F], F]] = {
    "text": _option("--text", help="Transcript of the speech, for exact phone timing."),
    "text_file": _option(
        "--text-file",
        type=click.Path(exists=True, dir_okay=False, path_type=str),
        help="Read the transcript from this UTF-8 file.",
    ),
    "lang": _option("--lang", help="Language of the speech (espeak-ng code, e.g. en, es, de)."),
    "asr": _option(
        "--asr",
        type=click.Choice(["pocketsphinx", "whisper"]),
        help="Without --text: recognise the words of the speech, then align them (pocketsphinx: "
        "English, bundled, often mishears; whisper: any language, needs --asr-model). Default: "
        "the audio-only analysis.",
    ),
    "asr_model": _option(
        "--asr-model", help="Whisper checkpoint file (.pt) or model name, for --asr whisper."
    ),
    "renderer": _option(
        "--renderer",
        type=RendererChoice(),
        default=DEFAULTS["renderer"],
        show_default=True,
        help="Mouth renderer: auto (the speaker's own mouths where the footage shows enough of "
        "them, else the warp), exemplar, warp, or a learned one that needs --model.",
    ),
    "model": _option(
        "--model",
        type=click.Path(path_type=str),
        help="Model of a learned renderer from `lipsync models export`: wav2lip.onnx (a file) "
        "or a musetalk folder.",
    ),
    "profile": _option(
        "--profile",
        type=click.Path(dir_okay=False, path_type=str),
        help="Speaker profile (NAME.lsprofile from `lipsync profile build`): the speaker's own "
        "mouths from other footage, for the exemplar and auto renderers.",
    ),
    "face": _option(
        "--face",
        default=DEFAULTS["face"],
        show_default=True,
        help="Who speaks: 'largest', 'all', a face id from `lipsync faces`, or several ids "
        "separated by commas (one speaker's id in each shot: ids start anew at every cut).",
    ),
    "start": _option("--start", type=float, help="Change only frames from this time on (seconds)."),
    "end": _option("--end", type=float, help="Change only frames before this time (seconds)."),
    "audio_mode": _option(
        "--audio-mode",
        type=click.Choice(["replace", "keep", "both"]),
        default=DEFAULTS["audio_mode"],
        show_default=True,
        help="Output audio: the new speech, the original audio (every track of it), or both "
        "(the new speech first).",
    ),
    "codec": _option(
        "--codec",
        type=click.Choice(list(C.VIDEO_CODECS)),
        default=DEFAULTS["codec"],
        show_default=True,
        help="Video codec: h264 (x264: --crf, --preset, --tune), prores (ProRes 422 HQ, or 4444 "
        "for 4:4:4 sources; .mov or .mkv) or dnxhr (DNxHR HQ, HQX for 10-bit sources, 444 for "
        "4:4:4; .mov) for editing, ffv1 (lossless at every bit depth; .mkv) to archive.",
    ),
    "crf": _option(
        "--crf",
        type=click.IntRange(0, 51),
        default=DEFAULTS["crf"],
        show_default=True,
        help="x264 quality (lower is better).",
    ),
    "preset": _option(
        "--preset", default=DEFAULTS["preset"], show_default=True, help="x264 speed preset."
    ),
    "tune": _option(
        "--tune",
        default=DEFAULTS["tune"],
        show_default=True,
        help="x264 tune (film, animation, grain, stillimage, psnr, ssim, fastdecode, "
        f"zerolatency) or none; auto is {C.DEFAULT_TUNE} (x264 smooths the redrawn mouth less), "
        "except at --crf 0 (lossless), where it is none.",
    ),
    "allow_no_face": _option(
        "--allow-no-face",
        is_flag=True,
        help="Write an untouched copy when no face can be lip-synced, instead of failing.",
    ),
    "allow_truncated": _option(
        "--allow-truncated",
        is_flag=True,
        help="Lip-sync the part of a truncated video that is there (with a warning) instead of "
        "failing.",
    ),
    "lookahead": _option(
        "--lookahead",
        type=float,
        default=DEFAULTS["lookahead"],
        help="Seconds of video held back so each face is learnt before it is rendered "
        f"[default: {C.LOOKAHEAD_SECONDS:g}, shortened for large frames to what "
        f"{C.LOOKAHEAD_MEMORY / 2**30:g} GiB of them hold, {C.LOOKAHEAD_MIN_SECONDS:g} at "
        "least: about 2.3 at 4K 25 fps, 1 at 4K 60 fps].",
    ),
}


class EngineParams(dict):
    """The engine options a command was given, by parameter name (only those it offers)."""


def engine_options(*names: str) -> Callable[[F], F]:
    """Add the engine options ``names`` (see :data:`ALL`) to a click command; the command
    receives them together as ``engine``, an :class:`EngineParams` (one, also when the
    decorator is used twice to place the options apart in ``--help``)."""
    unknown = [n for n in names if n not in _OPTIONS]
    if unknown:
        raise ValueError(f"unknown engine option(s) {unknown}: choose from {ALL}")

    def decorate(f: F) -> F:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            engine = kwargs.pop("engine", None) or EngineParams()  # an outer group's
            engine.update((n, kwargs.pop(n)) for n in names if n in kwargs)
            return f(*args, engine=engine, **kwargs)

        for name in reversed(names):
            wrapper = _OPTIONS[name](wrapper)
        return wrapper  # type: ignore[return-value]

    return decorate


def sync_options(engine: Mapping[str, Any], **fixed: Any) -> SyncOptions:
    """The :class:`SyncOptions` of the given engine options; those the command does not offer
    keep ``SyncOptions``' defaults, ``fixed`` overrides any field (e.g. ``encode``). The
    transcript of ``--text``/``--text-file`` is read here (a usage error when both are
    given)."""
    from dataclasses import replace

    from lipsync.cli.transcript import read_transcript
    from lipsync.core.selection import SelectionOptions
    from lipsync.core.sync_options import SyncOptions

    given = {k: v for k, v in engine.items()}
    text = read_transcript(given.pop("text", None), given.pop("text_file", None))
    fields: dict[str, Any] = {"text": text} if text is not None else {}
    if given.get("profile") is not None:
        from lipsync.core.profile_file import load_profile

        given["profile"] = load_profile(given["profile"])
    if "face" in given:
        fields["selection"] = SelectionOptions(face=given.pop("face"))
    if "codec" in given:
        given["codec"] = C.VIDEO_CODECS[given["codec"]]
    keys = ("audio_mode", "codec", "crf", "preset", "tune")
    encode = {k: given.pop(k) for k in keys if k in given}
    if encode:
        fields["encode"] = replace(SyncOptions().encode, **encode)
    fields.update(given)
    fields.update(fixed)
    return SyncOptions(**fields)
