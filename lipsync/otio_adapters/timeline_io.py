"""Reading and writing timelines with OTIO's adapters, every failure one clear sentence.

Any format an installed adapter reads works: .otio and .otioz always, .json as OTIO JSON (as
Resolve exports single clips), .xml/.edl/.aaf with the OpenTimelineIO-Plugins adapters.
Writes are atomic: a temporary file beside the destination, renamed when complete.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import opentimelineio as otio

from lipsync.core.errors import LipsyncError
from lipsync.core.media.atomic import atomic_output, check_output_path
from lipsync.core.media.container import check_input_path
from lipsync.otio_adapters.conventions import file_url
from lipsync.otio_adapters.errors import TimelineError

PLUGINS_HINT = "pip install OpenTimelineIO-Plugins"
_BY_SUFFIX = {".json": "otio_json"}  # suffixes OTIO does not map to the adapter they hold
URL_ADAPTERS = ("fcp_xml",)  # formats whose media paths must be file:// URLs


@dataclass
class LoadedTimeline:
    """A timeline as read: the object, the file, the folder relative media URLs resolve
    against, and notes on the reading."""

    root: otio.core.SerializableObject
    path: Path
    base_dir: Path
    warnings: list[str]


def adapter_for(path: Path) -> str | None:
    return _BY_SUFFIX.get(path.suffix.lower())


def read_timeline(path: str | Path, extract_dir: Path | None = None) -> LoadedTimeline:
    """Read ``path`` with the adapter its suffix names. For an .otioz bundle, its media folder
    is unpacked into ``extract_dir`` (once) and relative URLs resolve there."""
    path = check_input_path(path, "timeline")
    where = f"'{path}'"
    suffix = path.suffix.lower()
    warnings: list[str] = []
    base_dir = path.resolve().parent
    try:
        root = otio.adapters.read_from_file(
            str(path),
            adapter_name=adapter_for(path),
            media_linker_name=otio.media_linker.MediaLinkingPolicy.DoNotLinkMedia,
        )
    except otio.exceptions.NoKnownAdapterForExtensionError as e:
        readable = ", ".join(
            sorted(f".{s}" for s in otio.adapters.suffixes_with_defined_adapters())
        )
        raise TimelineError(
            f"No installed OTIO adapter reads '{suffix or path.name}' files like {where} "
            f"(readable: {readable}); for .xml, .edl or .aaf run `{PLUGINS_HINT}`."
        ) from e
    except LipsyncError:
        raise
    except Exception as e:
        raise TimelineError(
            f"The timeline {where} cannot be read by OTIO ({_reason(e)}): check that it is a "
            "complete timeline file."
        ) from e
    if suffix == ".otioz" and extract_dir is not None:
        base_dir = unpack_otioz_media(path, extract_dir)
        warnings.append(f"The bundle's media were unpacked into '{base_dir}'.")
    if not isinstance(root, otio.core.SerializableObject):
        raise TimelineError(f"The file {where} holds no timeline.")
    return LoadedTimeline(root, path, base_dir, warnings)


def unpack_otioz_media(bundle: Path, folder: Path) -> Path:
    """Unpack the media of an .otioz bundle into ``folder``/<bundle name>/ (files already
    there are kept) and return that folder, against which the bundle's URLs resolve."""
    target = folder / f"{bundle.stem}.otioz"
    target.mkdir(parents=True, exist_ok=True)
    root = target.resolve()
    try:
        with zipfile.ZipFile(bundle) as zf:
            for member in zf.infolist():
                dest = (root / member.filename).resolve()
                if member.is_dir() or not str(dest).startswith(str(root) + "/"):
                    continue  # directories, and names that would escape the folder
                if dest.exists() and dest.stat().st_size == member.file_size:
                    continue
                dest.parent.mkdir(parents=True, exist_ok=True)
                with atomic_output(dest) as tmp, zf.open(member) as src:
                    tmp.write_bytes(src.read())
    except zipfile.BadZipFile as e:
        raise TimelineError(f"The bundle '{bundle}' is not a valid .otioz (zip) file.") from e
    return target


def write_timeline(
    root: otio.core.SerializableObject, path: str | Path, inputs: list[Path] | tuple = ()
) -> Path:
    """Write ``root`` to ``path`` with the adapter its suffix names, atomically; ``inputs`` are
    never overwritten."""
    path = check_output_path(path, inputs)
    if adapter_for(path) is None:
        try:
            adapter = otio.adapters.from_filepath(str(path))
        except otio.exceptions.NoKnownAdapterForExtensionError as e:
            raise TimelineError(
                f"No installed OTIO adapter writes '{path.suffix or path.name}' files: write a "
                f".otio file (or run `{PLUGINS_HINT}` for .xml and .edl)."
            ) from e
        if adapter.name in URL_ADAPTERS:
            root = with_file_urls(root)
    with atomic_output(path, inputs) as tmp:
        if path.suffix.lower() == ".otioz":
            tmp.unlink()  # the otioz adapter refuses to write over a file
        try:
            otio.adapters.write_to_file(root, str(tmp), adapter_name=adapter_for(path))
        except LipsyncError:
            raise
        except Exception as e:
            raise TimelineError(
                f"The timeline cannot be written as '{path.name}' ({_reason(e)}): write a .otio "
                "file instead."
            ) from e
    return path


def with_file_urls(root: otio.core.SerializableObject) -> otio.core.SerializableObject:
    """A copy of ``root`` whose media references name their files by ``file://`` URLs
    (percent-encoded), as FCP XML requires; ``root`` itself is not changed."""
    copy = root.deepcopy()
    clips = copy.find_clips() if hasattr(copy, "find_clips") else [copy]
    for clip in clips:
        refs: dict = getattr(clip, "media_references", lambda: {})() or {}
        for ref in refs.values():
            url = getattr(ref, "target_url", None)
            if isinstance(ref, otio.schema.ExternalReference) and url:
                ref.target_url = file_url(url)
    return copy


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[0] if text else type(e).__name__).rstrip(".")
