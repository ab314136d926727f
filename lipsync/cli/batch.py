"""``lipsync batch JOBS``: many videos, many languages, on this machine or a Ray cluster."""

from __future__ import annotations

import click

from lipsync.cli.context import CliContext, no_overwrite_option
from lipsync.core.errors import BatchInterrupted


@click.command("batch")
@click.argument("job_file", metavar="JOBS", type=click.Path(path_type=str))
@click.option(
    "-j", "--workers", type=click.IntRange(1, 1024),
    help="Tasks at a time (default: one per core here, or the Ray cluster's CPUs).",
)  # fmt: skip
@click.option(
    "--ray", "ray_address", is_flag=False, flag_value="local", metavar="[ADDRESS]",
    help="Run the tasks on Ray: a cluster address (auto, HOST:6379, ray://HOST:10001), or "
    "none for a local Ray instance. Needs pip install 'lipsync-studio[ray]'.",
)  # fmt: skip
@click.option(
    "--cpus-per-task", type=click.FloatRange(0.01), default=1.0, show_default=True,
    help="CPUs each Ray task declares.",
)  # fmt: skip
@click.option(
    "--gpus-per-task", type=click.FloatRange(0), default=0.0, show_default=True,
    help="GPUs each Ray task declares (for a learned renderer on GPU workers).",
)  # fmt: skip
@click.option(
    "--retries", type=click.IntRange(0, 20), default=2, show_default=True,
    help="Further attempts of a task that failed or whose worker died.",
)  # fmt: skip
@click.option(
    "--output-dir", type=click.Path(file_okay=False, path_type=str),
    help="Where the outputs go (overrides the job file's output_dir).",
)  # fmt: skip
@click.option(
    "--work-dir", type=click.Path(file_okay=False, path_type=str),
    help="Work directory of finished steps (overrides the job file's; on a cluster: a folder "
    "every node sees at the same path).",
)  # fmt: skip
@click.option(
    "--report", "report_path", type=click.Path(dir_okay=False, path_type=str),
    help="Also write the batch report (JSON) here.",
)  # fmt: skip
@click.option(
    "--profile", type=click.Path(dir_okay=False, path_type=str),
    help="Speaker profile (lipsync profile build) for every sync job without its own "
    "\"profile\" option.",
)  # fmt: skip
@click.option("--check", is_flag=True, help="Only check the job file and list its jobs.")
@no_overwrite_option
@click.pass_obj
def command(
    ctx: CliContext,
    job_file: str,
    workers: int | None,
    ray_address: str | None,
    cpus_per_task: float,
    gpus_per_task: float,
    retries: int,
    output_dir: str | None,
    work_dir: str | None,
    report_path: str | None,
    profile: str | None,
    check: bool,
) -> None:
    """Lip-sync every (video, language) job listed in the job file JOBS (JSON or YAML).

    Long videos are cut at shot boundaries or pauses of the dub into chunks rendered in
    parallel and joined frame-exactly, with the dub muxed once over the whole. Every finished
    step is kept in the work directory: after Ctrl-C, a crash or a fix, run the same command
    again and only what is missing is done. A task whose worker dies is retried; a job that
    keeps failing is reported and the others go on. The report (work directory's report.json)
    lists every job and chunk with its status, time and warnings.

    \b
    Job file (JSON; paths relative to it):
      {"output_dir": "dubbed", "defaults": {"crf": 18, "chunk_seconds": 60},
       "inputs": [{"video": "intro.mp4", "dubs": {"es": "intro_es.wav"}},
                  {"directory": "season2", "languages": ["es", "de"],
                   "dubs": "{dir}/{stem}_{lang}.wav"}]}

    \b
    Examples:
      lipsync batch jobs.json
      lipsync batch jobs.yaml -j 4 --report batch.json
      lipsync batch jobs.json --ray auto --work-dir /shared/lipsync-work
    """
    import json
    import logging
    from dataclasses import replace
    from pathlib import Path

    from lipsync.api import batch
    from lipsync.cli.progress import staged_progress
    from lipsync.core.batch import BatchOptions, load_job_file
    from lipsync.core.batch.jobfile import WORK_DIR_NAME
    from lipsync.core.errors import ProcessingError
    from lipsync.core.media import write_text

    log = logging.getLogger("lipsync")
    spec = load_job_file(job_file)
    if output_dir is not None:
        out = Path(output_dir).resolve()
        default_work = Path(spec.work_dir) == Path(spec.output_dir) / WORK_DIR_NAME
        jobs = tuple(replace(j, output=str(out / Path(j.output).name)) for j in spec.jobs)
        work = str(out / WORK_DIR_NAME) if default_work else spec.work_dir
        spec = replace(spec, jobs=jobs, output_dir=str(out), work_dir=work)
    if work_dir is not None:
        spec = replace(spec, work_dir=str(Path(work_dir).resolve()))
    if profile is not None:
        from lipsync.core.profile_file import load_profile

        load_profile(profile)  # a bad file fails now, not in every job
        given = str(Path(profile).resolve())
        jobs = tuple(replace(j, options={"profile": given, **j.options}) for j in spec.jobs)
        spec = replace(spec, jobs=jobs)
    _check_files(ctx, spec, job_file, report_path)
    if check:
        for job in spec.jobs:
            source = job.dub if job.kind == "sync" else "translation"
            click.echo(f"{job.id}\t{job.kind}\t{job.video}\t{source}\t{job.output}")
        log.info("%s: %d jobs; work directory %s", job_file, len(spec.jobs), spec.work_dir)
        return
    options = BatchOptions(
        workers=workers,
        retries=retries,
        ray=ray_address,
        cpus_per_task=cpus_per_task,
        gpus_per_task=gpus_per_task,
    )
    try:
        with staged_progress(ctx) as update:
            report = batch(spec, options, on_progress=update)
    except KeyboardInterrupt as e:
        from lipsync.cli.main import interrupt_exit_code

        stop = BatchInterrupted(
            f"interrupted; finished steps are kept in '{spec.work_dir}': run the same command "
            "again to continue where it stopped."
        )
        stop.exit_code = interrupt_exit_code(e)  # 130 for Ctrl-C, 143 SIGTERM, 129 SIGHUP
        raise stop from None
    if report_path is not None:
        write_text(report_path, json.dumps(report.to_json(), indent=1) + "\n", [job_file])
    counts = report.counts()
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
    log.info("%d jobs (%s) in %.1f s; report: %s", len(report.jobs), summary, report.seconds,
             Path(report.work_dir) / "report.json")  # fmt: skip
    failed = [j for j in report.jobs if j.status == "failed"]
    if failed:
        first = failed[0]
        raise ProcessingError(
            f"{len(failed)} of {len(report.jobs)} jobs failed (first: {first.id}: {first.error}); "
            "see the report, fix the cause and run the same command again."
        )


def _check_files(ctx: CliContext, spec, job_file: str, report_path: str | None) -> None:
    """Every job's output and the report against every video, dub and the job file, before
    any work. With -n, an output the work directory records as this batch's own finished
    job may exist (a re-run skips it); any other existing output is refused."""
    from pathlib import Path

    from lipsync.core.batch.state import _safe, read_json

    inputs: dict[str, str | None] = {"JOBS": job_file}
    outputs: dict[str, str | None] = {"--report": report_path}
    done: dict[str, str | None] = {}
    for job in spec.jobs:
        inputs[f"video of job {job.id}"] = job.video
        inputs[f"dub of job {job.id}"] = job.dub
        inputs[f"profile of job {job.id}"] = job.options.get("profile")
        role = f"output of job {job.id}"
        marker = read_json(Path(spec.work_dir) / "jobs" / _safe(job.id) / "done.json")
        out = Path(job.output)
        ours = (
            isinstance(marker, dict) and out.is_file() and out.stat().st_size == marker.get("size")
        )
        (done if ours else outputs)[role] = job.output
    ctx.check_outputs(outputs, inputs, updates=done, new_folder=spec.output_dir)
