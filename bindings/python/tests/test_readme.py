"""The README's Python example runs as written.

It is the first ```python block after the line `<!-- tested: bindings/python/tests/test_readme.py -->`
in the repository's README.md.
"""

from __future__ import annotations

import os
import re

import pytest

from memkd_testing import DATA, REPO

MARKER = "<!-- tested: bindings/python/tests/test_readme.py -->"


def readme_example() -> str:
    readme = REPO / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.exists() else ""
    if MARKER not in text:
        pytest.skip(f"{readme} has no line {MARKER!r} (the Python API section is not in the "
                    "README)")
    match = re.search(r"```python\n(.*?)```", text[text.index(MARKER):], re.DOTALL)
    assert match, f"no ```python block after {MARKER!r} in {readme}"
    return match.group(1)


def test_readme_example_runs(tmp_path, monkeypatch, capsys):
    code = readme_example()
    monkeypatch.chdir(tmp_path)                    # files the example writes land here
    if not os.environ.get("MEMKD_DATA_ROOT"):
        monkeypatch.setenv("MEMKD_DATA_ROOT", str(DATA))
    exec(compile(code, str(REPO / "README.md"), "exec"), {"__name__": "__readme__"})
    assert capsys.readouterr().out.strip(), "the example prints its results"
