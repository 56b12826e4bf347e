"""Students on a microcontroller (`make test-mcu`): the exported header built into firmware for a
Cortex-M4F (QEMU mps2-an386, hard float) and a Cortex-M3 (mps2-an385, software float) and run
under QEMU on 100 test series embedded as arrays.

For every recurrent cell (LSTM, GRU, RNN), a 1 x 8 student trained here on ItalyPowerDemand (the
repository's quick-start data), float32 and int8, and both targets, the firmware's probabilities
(read exactly from the float bits it prints) must equal Swift's within 1e-5 and its predictions
must be Swift's: the model's own for float32, the dequantised model's for int8 (the Swift
values come from `expected.tsv`, which `export-c --firmware` writes). For float32, Swift's
values are also checked against the Python package's `predict_proba` on the same series loaded
by `memkd.load_ucr`, so the reference itself is the model's output. `profile --target` must
report flash, RAM and instructions per step.

`make test-mcu` installs gcc-arm-none-eabi, libnewlib-arm-none-eabi and qemu-system-arm and sets
MEMKD_REQUIRE_MCU=1, so missing tools are a failure there; elsewhere they are a skip.
"""

import json
import os
import pathlib
import shutil
import struct
import subprocess

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
DATA = REPO / "data"
DATASET = "ItalyPowerDemand"
CELLS = ["lstm", "gru", "rnn"]
TARGETS = ["cortex-m4", "cortex-m3"]
SERIES = 100
TOLERANCE = 1e-5
TOOLS = ["arm-none-eabi-gcc", "arm-none-eabi-size", "qemu-system-arm", "make"]


def script_path():
    path = os.environ.get("MEMKD_SCRIPT") or str(REPO / ".build" / "release" / "memkd-script")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run `make build` (make test-mcu does)")
    return path


@pytest.fixture(scope="module", autouse=True)
def toolchain():
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"not installed: {', '.join(missing)} (make test-mcu installs them)"
        if os.environ.get("MEMKD_REQUIRE_MCU"):
            pytest.fail(message)
        pytest.skip(message)


def memkd_script(*arguments):
    result = subprocess.run(
        [script_path(), *arguments], capture_output=True, text=True, timeout=600,
        env=dict(os.environ, MEMKD_DATA_ROOT=str(DATA), OPENBLAS_NUM_THREADS="1"))
    assert result.returncode == 0, f"memkd-script {' '.join(arguments)}:\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def students(tmp_path_factory):
    """A trained 1 x 8 student of each cell: checkpoint path by cell."""
    folder = tmp_path_factory.mktemp("students")
    paths = {}
    for cell in CELLS:
        path = folder / f"{cell}.h5"
        memkd_script("train-teacher", "--dataset", DATASET, "--cell", cell, "--hidden", "8",
                     "--layers", "1", "--inits", "1", "--epochs", "25", "--out", str(path),
                     "--quiet")
        paths[cell] = path
    return paths


def parse_firmware(text):
    """Series index -> (class, probabilities as float32 from their printed bits)."""
    rows = {}
    for line in text.splitlines():
        words = line.split()
        if words[:1] != ["series"]:
            continue
        bits = words[words.index("bits") + 1:]
        probabilities = [struct.unpack("<f", struct.pack("<I", int(b, 16)))[0] for b in bits]
        rows[int(words[1])] = (int(words[3]), np.array(probabilities))
    return rows


def read_expected(path):
    table = np.loadtxt(path, delimiter="\t", skiprows=1, ndmin=2)
    return table[:, 1].astype(int), table[:, 2:]


def build_and_run(folder):
    subprocess.run(["make", "-s", "-C", str(folder)], check=True, capture_output=True,
                   timeout=300)
    result = subprocess.run(["make", "-s", "-C", str(folder), "run"], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode in (0, 1), f"firmware run failed:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("int8", [False, True], ids=["float32", "int8"])
@pytest.mark.parametrize("cell", CELLS)
def test_firmware_matches_swift(students, tmp_path, cell, int8, target):
    folder = tmp_path / "firmware"
    arguments = ["export-c", "--checkpoint", str(students[cell]), "--firmware", str(folder),
                 "--target", target, "--vectors", str(SERIES), "--json"]
    exported = json.loads(memkd_script(*arguments, *(["--int8"] if int8 else [])))
    assert exported["firmware"]["series"] == SERIES
    assert exported["cell"] == cell and exported["hidden"] == 8

    output = build_and_run(folder)
    rows = parse_firmware(output)
    assert sorted(rows) == list(range(SERIES)), output[-2000:]
    swift_classes, swift = read_expected(folder / "expected.tsv")
    assert swift.shape == (SERIES, 2)
    firmware = np.stack([rows[n][1] for n in range(SERIES)])
    difference = np.abs(firmware - swift).max()
    assert difference < TOLERANCE, f"max |p_firmware - p_Swift| = {difference}"
    classes = np.array([rows[n][0] for n in range(SERIES)])
    # A prediction may only differ where Swift's two classes are closer than the tolerance.
    top_two = np.sort(swift, axis=1)[:, -2:]
    decided = (top_two[:, 1] - top_two[:, 0]) > TOLERANCE
    assert np.array_equal(classes[decided], swift_classes[decided])
    summary = next(line for line in output.splitlines() if line.startswith("predictions"))
    assert int(summary.split()[-1].split("/")[0]) >= decided.sum(), summary
    # SysTick under -icount gave an instruction count for the step: more than half the step's
    # FLOPs (an FPU instruction does at most one multiply-add), far less than a soft-float
    # step of the largest of these models (about 100,000).
    about = next(line for line in output.splitlines() if line.startswith("about"))
    instructions = float(about.split()[1])
    assert exported["flops_per_step"] / 2 < instructions < 200_000, about

    if not int8:
        import memkd
        model = memkd.LSTMClassifier.load(students[cell])
        data = memkd.load_ucr(DATASET, root=DATA, length=100)
        python = model.predict_proba(data.X_test[:SERIES])
        assert np.abs(python - swift).max() < 1e-6


def test_profile_reports_flash_ram_and_instructions(students):
    profile = json.loads(memkd_script("profile", "--checkpoint", str(students["lstm"]),
                                      "--target", "cortex-m4", "--no-timing", "--json"))
    float32, int8 = profile["microcontroller"]
    assert (float32["target"], float32["int8"], int8["int8"]) == ("cortex-m4", False, True)
    for entry in (float32, int8):
        # Code plus weights: more than the weights alone, far less than the 4 MiB of flash.
        assert profile["bytes_int8" if entry["int8"] else "bytes_float32"] \
            < entry["flash_bytes"] < 16384
        assert entry["state_bytes"] == profile["state_bytes"] == 64
        assert entry["ram_bytes"] == entry["state_bytes"] + entry["stack_bytes"] > 64
        # An FPU instruction does at most one multiply-add (2 FLOPs): fewer instructions than
        # half the FLOPs would be a counting error.
        assert profile["flops_per_step"] / 2 < entry["instructions_per_step"] < 100_000
        assert entry["predictions_equal"] == entry["series"] == 10
        assert entry["max_probability_difference"] < TOLERANCE
