"""``lipsync profile``: speaker profiles (build one from footage, show what one holds)."""

from __future__ import annotations

from pathlib import Path

import click

from lipsync.cli.context import CliContext, no_overwrite_option
from lipsync.cli.progress import staged_progress


@click.group("profile")
def command() -> None:
    """Speaker profiles: a person's own mouths, learnt from their footage, for the exemplar
    renderer. A profile holds images of a person's face: keep it as you keep the footage.

    \b
    Example:
      lipsync profile build interview.mp4 lecture.mp4 -o anna.lsprofile
      lipsync profile show anna.lsprofile
      lipsync sync short_shot.mp4 dub.wav --profile anna.lsprofile -o out.mp4
    """


@command.command("build")
@click.argument("videos", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The profile to write (NAME.lsprofile).",
)
@click.option(
    "--face",
    "faces",
    type=click.IntRange(min=0),
    multiple=True,
    help="Track id of the speaker in every video (see `lipsync faces`); repeat it for a "
    "speaker seen in several shots (each shot's faces get new ids); default: the face seen "
    "in most frames.",
)
@click.option("--name", help="The speaker's name in reports (default: the first video's name).")
@no_overwrite_option
@click.pass_obj
def build(
    ctx: CliContext,
    videos: tuple[Path, ...],
    output: Path,
    faces: tuple[int, ...],
    name: str | None,
) -> None:
    """Learn a speaker's mouths from VIDEOS (one face per video) into a profile.

    \b
    Example:
      lipsync profile build interview.mp4 -o anna.lsprofile
      lipsync profile build ep1.mp4 ep2.mp4 --face 0 --name Anna -o anna.lsprofile
      lipsync profile build interview.mp4 --face 0 --face 3 --face 7 -o anna.lsprofile
    """
    from lipsync.core.media import check_input_path
    from lipsync.core.profile_build import build_profile
    from lipsync.core.profile_file import SUFFIX, save_profile

    for video in videos:
        check_input_path(video)
    if output.suffix != SUFFIX:
        raise click.BadParameter(f"give a file name ending in {SUFFIX}", param_hint="-o")
    ctx.check_outputs({"-o": output}, {f"VIDEO {i + 1}": v for i, v in enumerate(videos)})
    with staged_progress(ctx) as update:
        profile = build_profile(
            videos,
            faces=faces,
            name=name,
            on_progress=lambda k, done, total: update(
                f"Learning mouths in {videos[k].name}", done, total
            ),
        )
    save_profile(profile, output, videos)
    if not ctx.quiet:
        click.echo(_summary(profile), err=True)
        click.echo(f"wrote {output}", err=True)


@command.command("show")
@click.argument("profile", type=click.Path(path_type=Path))
def show(profile: Path) -> None:
    """Print what PROFILE holds: the speaker, the frames and videos it came from, the mouth
    shapes it covers.

    \b
    Example:
      lipsync profile show anna.lsprofile
    """
    from lipsync.core.profile_file import load_profile

    click.echo(_summary(load_profile(profile)))


def _summary(profile) -> str:
    from lipsync.core.render import parameters as P

    samples = profile.exemplars
    gaps = sorted(s.gap for s in samples)
    lines = [
        f"speaker: {profile.name}",
        f"learnt from: {profile.frames} frames of {', '.join(profile.videos) or '-'}",
        f"mouths: {len(samples)} samples covering {profile.coverage} aperture steps of "
        f"{P.EXEMPLAR_GAP_STEP:g} IO"
        + (f", apertures {gaps[0]:.2f} to {gaps[-1]:.2f} IO" if gaps else ""),
        f"teeth visible in {sum(s.teeth > 0.2 for s in samples)} samples",
        "this file holds images of the speaker's face",
    ]
    return "\n".join(lines)
