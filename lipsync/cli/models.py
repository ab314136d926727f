"""``lipsync models``: the models lipsync knows, and converting Wav2Lip checkpoints to ONNX."""

from __future__ import annotations

import click

from lipsync.cli.context import CliContext, no_overwrite_option

#: Model kinds ``lipsync models export`` converts.
EXPORT_KINDS = ("wav2lip", "musetalk")


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
@click.argument("checkpoint", required=False, type=click.Path(path_type=str))
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=str),
    help="The ONNX file to write (wav2lip, e.g. wav2lip.onnx) or the new folder (musetalk).",
)  # fmt: skip
@click.option(
    "--unet", type=click.Path(path_type=str), help="musetalk: models/musetalkV15/unet.pth."
)
@click.option("--unet-config", type=click.Path(path_type=str),
              help="musetalk: models/musetalkV15/musetalk.json.")  # fmt: skip
@click.option("--vae", type=click.Path(path_type=str), help="musetalk: the sd-vae folder.")
@click.option("--whisper", type=click.Path(path_type=str), help="musetalk: the whisper folder.")
@click.option("--fp16/--no-fp16", default=True, show_default=True,
              help="musetalk: half-precision VAE and UNet copies too (for a GPU).")  # fmt: skip
@no_overwrite_option
@click.pass_obj
def export(ctx: CliContext, kind: str, checkpoint: str | None, output: str, **musetalk) -> None:
    """Convert a CHECKPOINT of model KIND to ONNX for `lipsync sync --model`.

    KIND is wav2lip: CHECKPOINT is a Wav2Lip generator checkpoint (wav2lip.pth or
    wav2lip_gan.pth: the training checkpoint, a bare state dict or a TorchScript archive;
    pickled checkpoints are read as weights only, never as code). The ONNX file (opset
    17, any batch size) is checked against torch on random input before it is written;
    the largest difference is printed. Needs `pip install 'lipsync-studio[torch]'`.

    \b
    Example:
      lipsync models export wav2lip checkpoints/wav2lip_gan.pth -o wav2lip.onnx
      lipsync sync talk.mp4 dub.wav -o talk_dub.mp4 --renderer wav2lip --model wav2lip.onnx

    KIND is musetalk (MuseTalk 1.5): no CHECKPOINT; give the files MuseTalk's
    download_weights.sh fetches with --unet, --unet-config, --vae and --whisper. -o is a
    new folder: four ONNX graphs (whisper encoder, VAE encoder, UNet, VAE decoder), each
    checked against torch on random input, and a manifest. Needs the musetalk extra.

    \b
      lipsync models export musetalk --unet models/musetalkV15/unet.pth \\
        --unet-config models/musetalkV15/musetalk.json --vae models/sd-vae \\
        --whisper models/whisper -o musetalk
      lipsync sync talk.mp4 dub.wav -o talk_dub.mp4 --renderer musetalk --model musetalk
    """
    if kind == "musetalk":
        from lipsync.cli.models_musetalk import export_musetalk_command

        export_musetalk_command(checkpoint, output, **musetalk)
        return
    if checkpoint is None:
        raise click.UsageError("wav2lip needs its CHECKPOINT: the generator's .pth file.")
    from lipsync.core.models.wav2lip_export import export_wav2lip

    ctx.check_outputs({"-o/--output": output}, {"CHECKPOINT": checkpoint})
    report = export_wav2lip(checkpoint, output)
    click.echo(
        f"wrote {report.path} ({report.parameters:,} parameters, {report.size / 1e6:.1f} MB) "
        f"in {report.seconds:.1f} s; ONNX vs torch on random input: max difference "
        f"{report.max_difference:.2e}"
    )
