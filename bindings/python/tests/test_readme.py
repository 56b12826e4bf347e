"""The README's Python examples run as written.

Each is the first ```python block after a line `<!-- tested: bindings/python/tests/test_readme.py -->`
in the repository's README.md.
"""

from __future__ import annotations

import os
import re

import pytest

from memkd_testing import DATA, REPO

MARKER = "<!-- tested: bindings/python/tests/test_readme.py -->"


def readme_examples() -> list:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if MARKER not in text:
        return [pytest.param("", marks=pytest.mark.skip(
            reason=f"{readme} has no line {MARKER!r} (no Python section in the README)"))]
    blocks = []
    for part in text.split(MARKER)[1:]:
        match = re.search(r"```python\n(.*?)```", part, re.DOTALL)
        assert match, f"no ```python block after a {MARKER!r} in {readme}"
        blocks.append(match.group(1))
    return blocks


@pytest.mark.parametrize("code", readme_examples())
def test_readme_example_runs(code, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                    # files the example writes land here
    if not os.environ.get("MEMKD_DATA_ROOT"):
        monkeypatch.setenv("MEMKD_DATA_ROOT", str(DATA))
    exec(compile(code, str(REPO / "README.md"), "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.strip(), "the example prints its results"
