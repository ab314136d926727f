"""``lipsync models``: the models lipsync knows, and converting Wav2Lip checkpoints to ONNX."""

from __future__ import annotations

import click

from lipsync.cli.context import CliContext, no_overwrite_option

#: Model kinds ``lipsync models export`` converts.
EXPORT_KINDS = ("wav2lip",)


@click.group("models")
def command() -> None:
    """Model files: list the registered ones, export Wav2Lip checkpoints to ONNX.

    \b
    Example:
      lipsync models list
      lipsync models export wav2lip wav2lip_gan.pth -o wav2lip.onnx
    """


@command.command("list")
@click.pass_obj
def list_models(ctx: CliContext) -> None:
    """List the registered models: name, file, SHA-256 (first 12 digits), description.

    \b
    Example:
      lipsync models list
    """
    from lipsync.core import models

    for name in models.names():
        spec = models.get(name)
        digest = spec.sha256[:12] or "-"
        click.echo(f"{name:<18} {spec.filename:<34} {digest:<12}  {spec.description}")


@command.command("export")
@click.argument("kind", type=click.Choice(EXPORT_KINDS))
@click.argument("checkpoint", type=click.Path(path_type=str))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=str),
    help="The ONNX file to write (e.g. wav2lip.onnx).",
)  # fmt: skip
@no_overwrite_option
@click.pass_obj
def export(ctx: CliContext, kind: str, checkpoint: str, output: str) -> None:
    """Convert a CHECKPOINT of model KIND to ONNX for `lipsync sync --model`.

    KIND is wav2lip: CHECKPOINT is a Wav2Lip generator checkpoint (wav2lip.pth or
    wav2lip_gan.pth: the training checkpoint, a bare state dict or a TorchScript archive;
    pickled checkpoints are read as weights only, never as code). The ONNX file (opset
    17, any batch size) is checked against torch on random input before it is written;
    the largest difference is printed. Needs `pip install 'lipsync[torch]'`.

    \b
    Example:
      lipsync models export wav2lip checkpoints/wav2lip_gan.pth -o wav2lip.onnx
      lipsync sync talk.mp4 dub.wav -o talk_dub.mp4 --renderer wav2lip --model wav2lip.onnx
    """
    from lipsync.core.models.wav2lip_export import export_wav2lip

    ctx.check_outputs({"-o/--output": output}, {"CHECKPOINT": checkpoint})
    report = export_wav2lip(checkpoint, output)
    click.echo(
        f"wrote {report.path} ({report.parameters:,} parameters, {report.size / 1e6:.1f} MB) "
        f"in {report.seconds:.1f} s; ONNX vs torch on random input: max difference "
        f"{report.max_difference:.2e}"
    )
