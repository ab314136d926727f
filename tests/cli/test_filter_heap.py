"""lipsync-filter's malloc settings (:func:`lipsync.cli.filter.steady_heap`): freed
frame-sized blocks are reused, not given back to the system and faulted in again."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

glibc = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="mallopt's settings are glibc's",
)

# three region-sized temporaries made and freed, as a render's comparisons of a 1080p mouth
# region do: page faults per round, in a fresh interpreter
ROUNDS = """
import os, resource, sys
import numpy as np
if sys.argv[1] == "steady":
    from lipsync.cli.filter import steady_heap
    assert steady_heap()

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

for _ in range(3):
    parts = [np.ones(880_000, np.uint8) for _ in range(3)]
    del parts
before = faults()
for _ in range(50):
    parts = [np.ones(880_000, np.uint8) for _ in range(3)]
    del parts
print((faults() - before) / 50, os.environ.get("MALLOC_TRIM_THRESHOLD_"))
"""


def rounds(mode: str) -> tuple[float, str]:
    out = subprocess.run(
        [sys.executable, "-c", ROUNDS, mode], capture_output=True, text=True, check=True
    ).stdout.split()
    return float(out[0]), out[1]


@glibc
def test_freed_blocks_are_reused_not_faulted_in_again() -> None:
    plain, _ = rounds("plain")
    steady, inherited = rounds("steady")
    assert plain > 100  # glibc's default: each round's blocks come in fresh pages
    assert steady < 5
    assert inherited == str(128 << 20)  # what the filter's tracking process starts with


@glibc
def test_settings_given_in_the_environment_are_kept() -> None:
    code = (
        "import os; from lipsync.cli.filter import steady_heap; assert steady_heap(); "
        "print(os.environ['MALLOC_TRIM_THRESHOLD_'], os.environ['MALLOC_MMAP_THRESHOLD_'])"
    )
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "1048576", "MALLOC_MMAP_THRESHOLD_": "262144"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    assert out == ["1048576", "262144"]
