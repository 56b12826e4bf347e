"""The notebooks in examples/notebooks run top to bottom, quickly, and are committed clean.

Each notebook runs in a fresh ``python3`` kernel (nbclient) started with this interpreter, with
the notebook's folder as working directory, as Jupyter would open it.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import time
from pathlib import Path

import pytest

import memkd
from memkd_testing import REPO, script_path

NOTEBOOKS = REPO / "examples" / "notebooks"
CELL_TIMEOUT_S = 120
TOTAL_BUDGET_S = 120.0
NEEDED = ("nbclient", "nbformat", "ipykernel", "matplotlib", "pandas")


def notebooks() -> list[Path]:
    paths = sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        pytest.skip(f"no notebooks in {NOTEBOOKS}")
    return paths


def test_notebooks_are_committed_without_outputs():
    for path in notebooks():
        nb = json.loads(path.read_text(encoding="utf-8"))
        assert nb["metadata"].get("kernelspec", {}).get("name") == "python3", \
            f"{path.name}: metadata.kernelspec.name should be python3"
        for index, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                assert not cell["outputs"] and cell["execution_count"] is None, (
                    f"{path.name}, cell {index}: outputs are committed; clear them "
                    "(Jupyter: Edit > Clear All Outputs, or "
                    "`jupyter nbconvert --clear-output --inplace`)")


def test_notebooks_run():
    missing = [name for name in NEEDED if importlib.util.find_spec(name) is None]
    if missing:
        pytest.skip(f"running the notebooks needs {', '.join(missing)} "
                    f"(`{sys.executable} -m pip install {' '.join(missing)}`)")
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    # nbclient starts kernel "python3"; a kernelspec whose command is plain `python` (the
    # venv's, or ipykernel's built-in one) runs sys.executable. Another interpreter would not
    # have this one's packages.
    command = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert command[0] == sys.executable, (
        f"the python3 kernel would run {command[0]}, not {sys.executable}: a kernelspec with a "
        "fixed interpreter shadows it (see `jupyter kernelspec list`); install this one with "
        f"`{sys.executable} -m ipykernel install --sys-prefix`")

    # The kernel finds the package pytest imports (the tour itself puts the in-tree package
    # first when its extension is built, which is this one when the tests run in the repository).
    package_root = str(Path(memkd.__file__).resolve().parent.parent)
    env = dict(os.environ, OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"),
               PYTHONPATH=os.pathsep.join(filter(None, [package_root,
                                                        os.environ.get("PYTHONPATH")])),
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    # The CLI the other tests run (the debug build `make python-test` makes): the tour would
    # otherwise prefer a release build, which nothing here rebuilds, so it may be stale (one
    # that predates the current file format refuses the checkpoints this package writes).
    if "MEMKD_SCRIPT" not in env and script_path().exists():
        env["MEMKD_SCRIPT"] = str(script_path())

    seconds: dict[str, float] = {}
    failures = []
    for path in notebooks():
        nb = nbformat.read(path, as_version=4)
        client = NotebookClient(nb, kernel_name="python3", timeout=CELL_TIMEOUT_S,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        try:
            client.execute(env=env)
        except Exception as error:  # CellExecutionError, CellTimeoutError, DeadKernelError
            message = re.sub(r"\x1b\[[0-9;]*m", "", str(error))     # no terminal colours
            failures.append(f"{path.name}: {type(error).__name__}: {message}")
        seconds[path.name] = time.perf_counter() - start
        print(f"{path.name}: {seconds[path.name]:.1f} s")
    total = sum(seconds.values())
    print(f"all notebooks: {total:.1f} s")

    assert not failures, "\n\n".join(failures)
    assert total < TOTAL_BUDGET_S, (
        f"the notebooks took {total:.0f} s in all (budget {TOTAL_BUDGET_S:.0f} s): "
        + ", ".join(f"{name} {s:.0f} s" for name, s in seconds.items()))
