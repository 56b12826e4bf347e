"""Issue 15's hostile inputs against the Python package, each in a child process: the call must
raise a Python exception with a clear message and the interpreter must live on (before the fixes
these died with SIGILL or SIGSEGV, killing the notebook)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

import memkd
from memkd_testing import CHILD_ENV, PACKAGE_ROOT, set_values

PRELUDE = """
import sys
import numpy as np
import memkd
rng = np.random.default_rng(0)
X = rng.normal(size=(16, 12)).astype(np.float32)
y = np.array([0, 1] * 8)
def expect(call):
    try:
        call()
    except Exception as error:
        print(f"RAISED {type(error).__name__}: {error}", flush=True)
        memkd.parameter_count(1, 4, 1, 2)  # the interpreter still works
        print("ALIVE", flush=True)
    else:
        print("NO-ERROR", flush=True)
"""


def run_child(body: str, *args: str) -> str:
    """Runs PRELUDE + body in a fresh interpreter; returns its stdout after asserting it exited
    normally (a signal gives a negative return code)."""
    script = textwrap.dedent(PRELUDE) + textwrap.dedent(body)
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                            timeout=300, env=CHILD_ENV)
    assert result.returncode == 0, f"child died ({result.returncode}):\n{result.stderr[-2000:]}"
    assert "ALIVE" in result.stdout, result.stdout + result.stderr[-2000:]
    return result.stdout


@pytest.mark.parametrize("kind", ["Teacher", "Student"])
def test_diverging_fit_raises_instead_of_killing_the_interpreter(kind):
    out = run_child(f"""
        model = memkd.{kind}(hidden_size=4, layers=1)
        expect(lambda: model.fit(X, y, X, y, lr=1e10, clip=0, epochs=3, threads=1))
    """)
    assert "training diverged" in out


@pytest.fixture()
def checkpoint(tmp_path) -> Path:
    path = tmp_path / "model.h5"
    model = memkd.LSTMClassifier(hidden_size=3, layers=1, classes=2, seed=0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 12)).astype(np.float32)
    model.fit(X, [0, 1] * 4, X, [0, 1] * 4, epochs=1, threads=1)
    model.save(path)
    return path


@pytest.mark.parametrize("edit,message", [
    ("hidden_size", "/model: sizes above 1048576 are not supported"),
    ("hidden_size 2**17", "parameters, more than the supported"),
    ("nan weight", "holds inf or NaN values"),
    ("length", "length must be an integer"),
    ("edited weight", "lstm.weight_hh_l0: its values do not match their SHA-256"),
])
def test_damaged_checkpoint_loads_as_an_error(checkpoint, edit, message):
    with h5py.File(checkpoint, "r+") as f:
        if edit == "hidden_size":
            f["model"].attrs["hidden_size"] = 2**62
        elif edit == "hidden_size 2**17":
            f["model"].attrs["hidden_size"] = 2**17
        elif edit == "edited weight":
            f["state_dict/lstm.weight_hh_l0"][0, 0] += 1
        elif edit == "nan weight":
            set_values(f["state_dict/lstm.weight_hh_l0"], (0, 0), np.nan)
        else:
            f["data"].attrs["length"] = 10**9
    out = run_child("expect(lambda: memkd.LSTMClassifier.load(sys.argv[1]))", str(checkpoint))
    assert message in out, out


@pytest.mark.parametrize("command", ["evaluate", "trace", "export-c"])
def test_cli_refuses_a_teacher_with_nan_weights(cli_teacher, tmp_path, command):
    """`evaluate` used to print plausible metrics with exit 0, `trace` to rename NaN traces over
    an existing file, `export-c` to export the NaN weights."""
    from memkd_testing import DATA, require_script

    teacher = tmp_path / "teacher.h5"
    shutil.copy(cli_teacher, teacher)
    with h5py.File(teacher, "r+") as f:
        set_values(f["state_dict/lstm.weight_ih_l0"], (0, 0), np.inf)
    out = tmp_path / "existing.out"
    out.write_bytes(b"keep me")
    arguments = {
        "evaluate": ["evaluate", "--checkpoint", teacher, "--data-root", DATA],
        "trace": ["trace", "--checkpoint", teacher, "--data-root", DATA, "--out", out],
        "export-c": ["export-c", "--checkpoint", teacher, "--out", out],
    }[command]
    result = subprocess.run([require_script(), *map(str, arguments)], capture_output=True,
                            text=True, timeout=300, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert result.returncode == 1, result.stderr
    assert "holds inf or NaN values" in result.stderr, result.stderr
    assert out.read_bytes() == b"keep me"


def run_script(*arguments) -> subprocess.CompletedProcess:
    from memkd_testing import require_script
    return subprocess.run([require_script(), *map(str, arguments)], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))


def test_train_teacher_never_replaces_an_existing_file_unasked(cli_teacher, tmp_path):
    """Before: `--out EXISTING.h5` replaced a finished teacher with an epoch-1 resume state."""
    from conftest import CLI_TEACHER_ARGS
    teacher = tmp_path / "teacher.h5"
    shutil.copy(cli_teacher, teacher)
    before = teacher.read_bytes()
    refused = run_script("train-teacher", *CLI_TEACHER_ARGS, "--out", teacher)
    assert refused.returncode == 1, refused.stderr
    assert "exists; pass --overwrite to replace it" in refused.stderr
    assert teacher.read_bytes() == before
    replaced = run_script("train-teacher", *CLI_TEACHER_ARGS, "--out", teacher, "--overwrite")
    assert replaced.returncode == 0, replaced.stderr


def test_a_second_writer_of_the_same_out_stops_at_once(tmp_path):
    """Before: two `train-teacher` runs on one `--out` both said "saved"; one result was lost.
    This process holds the lock as the first run would; the second must refuse and write
    nothing."""
    import fcntl
    from conftest import CLI_TEACHER_ARGS
    out = tmp_path / "teacher.h5"
    with open(tmp_path / ".teacher.h5.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result = run_script("train-teacher", *CLI_TEACHER_ARGS, "--out", out)
        assert result.returncode == 1, result.stderr
        assert "another MemKD process is writing this file" in result.stderr
        assert not out.exists()
        traced = run_script("trace", "--checkpoint", "missing.h5", "--out", out)
        assert "another MemKD process is writing this file" in traced.stderr
    after = run_script("train-teacher", *CLI_TEACHER_ARGS, "--out", out)
    assert after.returncode == 0, after.stderr


def test_distill_export_c_and_save_refuse_an_output_another_process_writes(
        cli_teacher, checkpoint, tmp_path):
    """Before: `distill --out-dir`, `export-c` and Python `save` took no lock, so two writers
    both reported success and the last rename won."""
    import fcntl
    from memkd_testing import DATA
    students, header, saved = tmp_path / "students", tmp_path / "model.h", tmp_path / "saved.h5"
    students.mkdir()
    model = memkd.LSTMClassifier.load(checkpoint)
    for target in (students, header, saved):
        with open(tmp_path / f".{target.name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if target == saved:
                with pytest.raises(OSError, match="another MemKD process is writing this file"):
                    model.save(saved)
                continue
            result = run_script(*{
                students: ["distill", "--teacher", cli_teacher, "--data-root", DATA, "--method",
                           "base", "--seeds", "1", "--epochs", "1", "--out-dir", students],
                header: ["export-c", "--checkpoint", checkpoint, "--out", header],
            }[target])
            assert result.returncode == 1, result.stderr
            assert f"{target}: another MemKD process is writing this file" in result.stderr
        assert not header.exists() and not saved.exists() and not list(students.iterdir())
    model.save(saved)
    assert run_script("export-c", "--checkpoint", checkpoint, "--out", header).returncode == 0


def test_two_distills_of_one_teacher_share_its_traces(cli_teacher, tmp_path):
    """The traces file next to a teacher is written by the first run; a second run waits for it
    (instead of both computing it, or one failing) and then reads it."""
    import fcntl
    import time
    from memkd_testing import DATA, require_script
    teacher = tmp_path / "teacher.h5"
    shutil.copy(cli_teacher, teacher)
    traces = tmp_path / "teacher-traces.h5"
    with open(tmp_path / ".teacher-traces.h5.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        waiting = subprocess.Popen(
            [require_script(), "distill", "--teacher", str(teacher), "--data-root", DATA,
             "--method", "base-kd", "--beta", "1", "--seeds", "1", "--epochs", "1", "--out-dir",
             str(tmp_path / "students"), "--quiet"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
        time.sleep(1.5)
        assert waiting.poll() is None, waiting.communicate()
        assert not traces.exists()
    _, stderr = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, stderr
    assert traces.exists()


def test_a_path_with_a_nul_is_refused_not_cut(checkpoint, tmp_path):
    """Before: save('a\\x00b.h5') wrote a file named 'a'."""
    model = memkd.LSTMClassifier.load(checkpoint)
    with pytest.raises((OSError, ValueError), match="NUL"):
        model.save(str(tmp_path / "a\x00b.h5"))
    assert not (tmp_path / "a").exists()
    with pytest.raises((OSError, ValueError), match="NUL"):
        memkd.LSTMClassifier.load(str(checkpoint) + "\x00.bak")


def test_fit_refuses_a_single_class_and_classes_it_never_sees():
    """Before: one label of 10**6 trained a 1,000,001-class model; a single class was accepted
    (the CLI refuses it)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 10)).astype(np.float32)
    model = memkd.LSTMClassifier(hidden_size=2, layers=1)
    with pytest.raises(ValueError, match=r"y: a single class \(label 3\)"):
        model.fit(X, [3] * 6, X, [3] * 6, epochs=1, threads=1)
    with pytest.raises(ValueError, match=r"class\(es\) 0, 1, 2, 3, 4 and 999994 more never occur"):
        model.fit(X, [10**6, 5] * 3, X, [5] * 6, epochs=1, threads=1)
    assert model.classes is None


@pytest.mark.parametrize("call", ["fit", "distill"])
def test_ctrl_c_stops_training_without_a_callback(call, tmp_path):
    """Before: `fit` and `distill` ignored Ctrl-C unless a callback was given."""
    import signal
    import time
    script = textwrap.dedent(PRELUDE) + textwrap.dedent(f"""
        long = dict(epochs=1000000, patience=1000000, threads=1)
        teacher = memkd.Teacher(hidden_size=3, layers=1)
        if "{call}" == "distill":
            teacher.fit(X, y, X, y, epochs=1, threads=1)
        print("TRAINING", flush=True)
        try:
            if "{call}" == "fit":
                teacher.fit(X, y, X, y, **long)
            else:
                memkd.distill(teacher, X, y, X, y, method="memkd", **long)
        except KeyboardInterrupt:
            print("INTERRUPTED", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=CHILD_ENV)
    try:
        assert child.stdout.readline().strip() == "TRAINING"
        time.sleep(1.0)
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert "INTERRUPTED" in out, err[-2000:]
    assert child.returncode == 0


def test_one_stream_stepped_from_four_threads_loses_no_step(checkpoint):
    """Before: `stream_step` released the GIL with no lock, and four threads stepping one
    `memkd.Stream` lost updates."""
    import threading
    model = memkd.LSTMClassifier.load(checkpoint)
    stream = memkd.Stream(model)
    chunk = np.linspace(-1, 1, 50, dtype=np.float32)

    def work():
        for _ in range(200):
            stream.step(chunk)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert stream.steps == 4 * 200 * 50


def _small_file_limit():
    """In the child: files may grow to 20 KiB, and a write past that fails (EFBIG) instead of
    raising SIGXFSZ: a full disk, as far as the writer can tell."""
    import resource
    import signal
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (20 * 1024, 20 * 1024))


def test_a_full_disk_is_an_error_and_keeps_the_old_file(cli_teacher, tmp_path):
    """Before: the error was printed, then libhdf5 crashed with SIGSEGV at exit."""
    from memkd_testing import DATA, require_script
    out = tmp_path / "teacher.h5"
    shutil.copy(cli_teacher, out)
    before = out.read_bytes()
    result = subprocess.run(
        [require_script(), "train-teacher", "--dataset", "ItalyPowerDemand", "--data-root", DATA,
         "--length", "24", "--hidden", "40", "--layers", "2", "--inits", "1", "--epochs", "2",
         "--out", out, "--overwrite", "--quiet"],
        capture_output=True, text=True, timeout=300, preexec_fn=_small_file_limit,
        env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    assert result.returncode == 1, result.stderr[-3000:]
    assert "cannot close the file" in result.stderr or "File too large" in result.stderr
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["teacher.h5"]  # no temporary, no lock file left


def test_python_save_on_a_full_disk_raises_and_the_interpreter_exits_cleanly(tmp_path):
    """Before: save() raised OSError, then the interpreter segfaulted at exit."""
    script = textwrap.dedent(PRELUDE) + textwrap.dedent("""
        model = memkd.LSTMClassifier(hidden_size=60, layers=2, classes=2, seed=0)
        model.fit(X, y, X, y, epochs=1, threads=1)
        expect(lambda: model.save(sys.argv[1]))
    """)
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "m.h5")],
                            capture_output=True, text=True, timeout=300, env=CHILD_ENV,
                            preexec_fn=_small_file_limit)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "RAISED" in result.stdout and "ALIVE" in result.stdout, result.stdout
    assert not any(tmp_path.iterdir())
