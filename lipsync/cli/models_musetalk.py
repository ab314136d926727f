"""``lipsync models export musetalk``: the body of the command (options checked, the export
run, its report printed); the click declaration lives in :mod:`lipsync.cli.models`."""

from __future__ import annotations

import click

OPTIONS = ("unet", "unet_config", "vae", "whisper")


def export_musetalk_command(
    checkpoint: str | None, output: str, fp16: bool = True, **paths: str | None
) -> None:
    """Export MuseTalk 1.5 from ``paths`` (``unet``, ``unet_config``, ``vae``, ``whisper``)
    to the new folder ``output`` and print what was written."""
    if checkpoint is not None:
        raise click.UsageError(
            "musetalk takes no CHECKPOINT: give --unet, --unet-config, --vae and --whisper."
        )
    missing = ["--" + name.replace("_", "-") for name in OPTIONS if not paths.get(name)]
    if missing:
        raise click.UsageError(
            f"musetalk needs {', '.join(missing)}: the files MuseTalk's download_weights.sh "
            "fetches (models/musetalkV15/unet.pth, musetalk.json, models/sd-vae, models/whisper)."
        )
    from lipsync.core.models.musetalk_export import export_musetalk

    unet, config, vae, whisper = (str(paths[k]) for k in OPTIONS)
    report = export_musetalk(unet, config, vae, whisper, output, fp16=fp16)
    for part in report.parts:
        click.echo(
            f"  {part.name:<16} {part.size / 1e6:8.1f} MB  ONNX vs torch on random input: "
            f"max difference {part.max_difference:.2e}"
        )
    click.echo(f"wrote {report.folder} ({report.size / 1e6:.1f} MB) in {report.seconds:.1f} s")
