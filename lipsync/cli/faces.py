"""``lipsync faces VIDEO``: track the faces of a video; tracks JSON and a preview video."""

from __future__ import annotations

from pathlib import Path

import click

from lipsync.cli.context import CliContext, no_overwrite_option
from lipsync.cli.engine_options import face_backend_choice
from lipsync.cli.progress import progress
from lipsync.core.constants import DEFAULT_FACE_BACKEND


@click.command("faces")
@click.argument("video", type=click.Path(path_type=Path))
@click.option(
    "--backend",
    type=face_backend_choice(),
    default=DEFAULT_FACE_BACKEND,
    show_default=True,
    help="Landmark backend: onnx (shipped), mediapipe (package), dlib (needs --dlib-model).",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the face tracks (documented JSON) to this file.",
)
@click.option(
    "--preview",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a video with boxes, ids, pose and lip contours drawn.",
)
@click.option(
    "--dlib-model",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="LIPSYNC_DLIB_MODEL",
    help="dlib 68-point shape model (e.g. /usr/share/dlib/shape_predictor_68_face_landmarks.dat"
    "); not for commercial use.",
)
@click.option(
    "--detect-every",
    type=click.IntRange(min=1),
    default=15,
    show_default=True,
    help="Frames between detection passes while faces are tracked (1 = every frame).",
)
@click.option(
    "--max-faces", type=click.IntRange(min=1), default=4, show_default=True, help="Faces tracked."
)
@click.option(
    "--min-face",
    type=click.IntRange(min=0),
    default=48,
    show_default=True,
    help="Smallest face width in px searched for (0 = whole-frame detection only, faster).",
)
@no_overwrite_option
@click.pass_obj
def command(
    ctx: CliContext,
    video: Path,
    backend: str,
    json_path: Path | None,
    preview: Path | None,
    dlib_model: Path | None,
    detect_every: int,
    max_faces: int,
    min_face: int,
) -> None:
    """Find and track the faces of VIDEO: box, lip/jaw/nose/eye landmarks, pose and a stable
    id per face and frame. Without --json or --preview, prints a summary.

    \b
    Example:
      lipsync faces interview.mp4 --json tracks.json --preview preview.mp4
      lipsync faces interview.mp4 --backend dlib \\
          --dlib-model /usr/share/dlib/shape_predictor_68_face_landmarks.dat
    """
    from lipsync.core.face import BackendOptions, TrackerOptions, track_video
    from lipsync.core.media import check_input_path

    check_input_path(video)
    ctx.check_outputs(  # fail before the work, not after
        {"--json": json_path, "--preview": preview}, {"VIDEO": video, "--dlib-model": dlib_model}
    )
    options = TrackerOptions(
        detect_every=detect_every,
        max_faces=max_faces,
        backend=BackendOptions(name=backend, dlib_model=dlib_model, min_face=min_face),
    )
    with progress(ctx, f"Tracking faces in {video.name}") as on_progress:
        result = track_video(
            video, options, json_path=json_path, preview_path=preview, on_progress=on_progress
        )
    ids = ", ".join(str(i) for i in result.ids) or "none"
    summary = (
        f"{video}: {result.frames} frames, faces in {result.frames_with_faces}, "
        f"up to {result.max_faces_in_frame} at once, track ids: {ids}"
    )
    if json_path is None and preview is None:
        click.echo(summary)
        return
    if not ctx.quiet:
        click.echo(summary, err=True)
        for path in result.outputs:
            click.echo(f"wrote {path}", err=True)
