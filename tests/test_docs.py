"""The README is a front page whose links all lead somewhere; the reference lives in docs/."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _relative_links(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    links = [m.group(1) for m in LINK.finditer(text)]
    return [link for link in links if not re.match(r"[a-z]+:", link) and not link.startswith("#")]


def test_readme_is_a_front_page() -> None:
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert "../shared" not in text
    for command in ("make demo", "make test", "lipsync sync", "lipsync-filter", "lipsync timeline"):
        assert command in text


@pytest.mark.parametrize("page", [README, *sorted((ROOT / "docs").glob("*.md"))], ids=str)
def test_relative_links_resolve(page: Path) -> None:
    for link in _relative_links(page):
        target = (page.parent / link.split("#")[0]).resolve()
        assert target.exists(), f"{page.name} links to {link}, which does not exist"


def test_every_exit_code_is_documented() -> None:
    import lipsync.core.errors
    import lipsync.errors

    codes = {
        value
        for module in (lipsync.errors, lipsync.core.errors)
        for name, value in vars(module).items()
        if name.startswith("EXIT_") and isinstance(value, int)
    }
    table = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert codes, "no EXIT_ constants found in lipsync.core.errors"
    assert codes <= documented


@pytest.mark.skipif(
    shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None,
    reason="mkdocs is not installed (pip install -e '.[dev]')",
)
def test_site_builds_strictly(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    result = subprocess.run(
        [str(mkdocs), "build", "--strict", "--quiet", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "architecture.html").is_file()
