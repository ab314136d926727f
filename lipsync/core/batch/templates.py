"""Job-file path templates: ``{name}`` substitution of a fixed set of names, nothing else.

A template is plain text in which ``{stem}``, ``{name}``, ``{ext}``, ``{dir}`` and ``{lang}``
are replaced by the video's stem, file name, extension (with its dot), folder and the job's
language; ``{{`` and ``}}`` stand for literal braces. Nothing is evaluated: attribute or index
access (``{stem.upper}``, ``{dir[0]}``), conversions and format specs (``{stem!r}``,
``{stem:>9}``), unknown names and lone braces are refused with
:class:`~lipsync.core.errors.InputError`. Output templates must also stay inside the output
folder (:func:`output_path`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from lipsync.core.errors import InputError

#: The names a template may use, in the order the messages list them.
TEMPLATE_NAMES = ("stem", "name", "ext", "dir", "lang")
_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
_KNOWN = ", ".join("{" + n + "}" for n in TEMPLATE_NAMES)


class TemplateError(InputError):
    """A job-file template uses something other than the documented names."""


def template_fields(video: Path, lang: str) -> dict[str, str]:
    """The values of :data:`TEMPLATE_NAMES` for the job (``video``, ``lang``)."""
    return {"stem": video.stem, "name": video.name, "ext": video.suffix, "dir": str(video.parent),
            "lang": lang}  # fmt: skip


def fill(template: str, fields: Mapping[str, str]) -> str:
    """``template`` with every ``{name}`` replaced by ``fields[name]``; raises
    :class:`TemplateError` (a sentence fragment naming the template) on anything else."""

    def substitute(m: re.Match[str]) -> str:
        token = m.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = m.group(1)
        if name is None:
            raise TemplateError(
                f"the template '{template}' has a lone '{token}': write '{token * 2}' for a "
                f"literal brace, or use one of {_KNOWN}"
            )
        if name not in fields:
            raise TemplateError(
                f"the template '{template}' uses the unknown field '{{{name}}}': use only "
                f"{_KNOWN} (no attributes, indexes or formats)"
            )
        return fields[name]

    return _TOKEN.sub(substitute, template)


def output_path(output_dir: Path, template: str, fields: Mapping[str, str]) -> Path:
    """The output file named by ``template`` inside ``output_dir``; raises
    :class:`TemplateError` when the result is empty, absolute, or leads outside
    ``output_dir`` once ``..`` and symbolic links are resolved."""
    name = fill(template, fields)
    rel = Path(name)
    if "\0" in name:
        raise TemplateError(
            f"the template {template!r} holds a NUL character, which no file name can: remove it"
        )
    if not name or name.endswith(("/", "\\")) or rel.is_absolute() or rel.anchor:
        raise TemplateError(
            f"the template '{template}' gives '{name}', which is not a file name inside the "
            f"output folder: give a relative name such as '{{stem}}_{{lang}}{{ext}}'"
        )
    out = output_dir / rel
    root = output_dir.resolve()
    target = out.resolve()
    if target == root or root not in target.parents:
        raise TemplateError(
            f"the template '{template}' gives '{name}', which leads outside the output folder "
            f"'{output_dir}': name a file inside it"
        )
    return out
