"""Fixtures shared by the memkd package tests; also lets them `import memkd_testing`."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import memkd  # noqa: E402
from memkd_testing import DATA, DATASET, run_cli  # noqa: E402

# A teacher the CLI trains in about two seconds (debug build).
CLI_TEACHER_ARGS = ("--dataset", DATASET, "--data-root", str(DATA), "--inits", "1", "--epochs", "3",
                    "--hidden", "4", "--layers", "1", "--quiet")


@pytest.fixture(scope="session")
def data() -> "memkd.UCRData":
    """ItalyPowerDemand as shipped in the repository (67 training, 1029 test series, T = 100)."""
    return memkd.load_ucr(DATASET, root=DATA)


@pytest.fixture(scope="session")
def split(data):
    """The CLI's default split of the training series (fraction 0.2, seed 0)."""
    return memkd.split(data.y_train, 0.2, seed=0)


@pytest.fixture(scope="session")
def cli_teacher(tmp_path_factory) -> Path:
    """A 1 x 4 teacher written by `memkd-script train-teacher` (skips when the CLI is missing)."""
    folder = tmp_path_factory.mktemp("cli-teacher")
    path = folder / "teacher.h5"
    run_cli("train-teacher", *CLI_TEACHER_ARGS, "--out", path)
    return path
