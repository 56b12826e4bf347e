"""`memkd-script submit` against a real Slurm: a one-node cluster (slurmctld, slurmd, munged)
started by scripts/slurm-local.sh for this module and stopped by pid at its end.

- examples/quickstart.yaml as a 2-task job array ends with results.csv and report.md byte for
  byte those of a local `run`;
- an array task cancelled with `scancel` mid-teacher, then the array resubmitted: the run
  completes with identical results and no step is left locked;
- the same with the array SIGKILLed (the teacher's lock left behind) and that lock made to look
  like another node's: only Slurm's word that the holder's job has ended lets the resubmitted
  array take it over (the lease has not run out), so this checks the squeue path for real.

`make test-slurm` sets MEMKD_REQUIRE_SLURM=1: a cluster that cannot start is then a failure; in
`make test` it is a skip (e.g. without root).
"""

import json
import os
import pathlib
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PIPELINE = REPO / "examples" / "quickstart.yaml"
TIMEOUT = 900  # seconds for one array to finish on a busy 2-core machine


def script_path():
    path = os.environ.get("MEMKD_SCRIPT") or str(REPO / ".build" / "release" / "memkd-script")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run `make build` (make test-slurm does)")
    return path


def free_port_pair():
    """A port p with p and p + 1 free (slurmctld and slurmd)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("", 0))
            port = probe.getsockname()[1]
        if port > 60000:
            continue
        try:
            with socket.socket() as second:
                second.bind(("", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free pair of ports")


@pytest.fixture(scope="module")
def slurm():
    """Environment for Slurm's commands, with the cluster running; stopped afterwards."""
    directory = tempfile.mkdtemp(prefix="memkd-slurm-", dir="/tmp")
    env = dict(os.environ, MEMKD_SLURM_DIR=directory, MEMKD_SLURM_PORT=str(free_port_pair()))
    local = [str(REPO / "scripts" / "slurm-local.sh")]
    started = subprocess.run(local + ["start"], env=env, capture_output=True, text=True)
    if started.returncode != 0:
        stop = subprocess.run(local + ["stop"], env=env, capture_output=True, text=True)
        message = f"cannot start Slurm: {started.stderr.strip()} {stop.stderr.strip()}"
        if os.environ.get("MEMKD_REQUIRE_SLURM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    env["SLURM_CONF"] = os.path.join(directory, "slurm.conf")
    pids = {
        name: int(pathlib.Path(directory, f"{name}.pid").read_text())
        for name in ("munged", "slurmctld", "slurmd")
    }
    try:
        yield env
    finally:
        subprocess.run(local + ["stop"], env=env, check=True)
        for name, pid in pids.items():
            assert not pid_alive(pid), f"{name} (pid {pid}) still runs after stop"
        shutil.rmtree(directory, ignore_errors=True)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def memkd(args, env, **kwargs):
    result = subprocess.run(
        [script_path()] + args, env=env, capture_output=True, text=True, cwd=REPO, **kwargs
    )
    assert result.returncode == 0, f"memkd-script {' '.join(args)}: {result.stderr}"
    return result


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    """The quickstart run locally: what every array run must equal byte for byte."""
    out = tmp_path_factory.mktemp("local") / "run"
    memkd(["run", str(PIPELINE), "--out", str(out), "--jobs", "2", "--plain"], os.environ.copy())
    return out


def submit(out, env):
    result = memkd(["submit", str(PIPELINE), "--tasks", "2", "--out", str(out), "--json"], env)
    summary = json.loads(result.stdout)
    assert summary["tasks"] == 2 and summary["run_dir"] == str(out)
    return summary["job"]


def task_states(job, env):
    """{task: state} of the array's tasks that Slurm still lists (scontrol keeps ended ones
    for MinJobAge = 300 s)."""
    shown = subprocess.run(
        ["scontrol", "-o", "show", "job", job], env=env, capture_output=True, text=True
    )
    states = {}
    for line in shown.stdout.splitlines():
        fields = dict(token.split("=", 1) for token in line.split() if "=" in token)
        task = fields.get("ArrayTaskId", "")
        if task.isdigit():
            states[int(task)] = fields["JobState"]
    return states


def wait_for_array(job, env, out):
    """Waits until no task of the array is pending or running; returns the final states."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        queued = subprocess.run(
            ["squeue", "-h", "-j", job], env=env, capture_output=True, text=True
        )
        if queued.returncode == 0 and not queued.stdout.strip():
            return task_states(job, env)
        time.sleep(1)
    logs = "\n".join(p.read_text()[-2000:] for p in (out / "slurm" / "logs").glob("*.log"))
    pytest.fail(f"job array {job} did not finish in {TIMEOUT} s; logs:\n{logs}")


def teacher_step(out):
    steps = [p for p in (out / "steps").iterdir() if p.name.startswith("teacher-")]
    return (out / "steps" / steps[0].name.split(".")[0]) if steps else None


def wait_mid_teacher(out):
    """Waits until the teacher has saved at least one epoch (its resumable checkpoint) and
    is still training; returns the teacher step's folder path (not yet finished)."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        step = teacher_step(out) if (out / "steps").exists() else None
        if step is not None:
            assert not step.exists(), "the teacher finished before it could be cancelled"
            partial = pathlib.Path(str(step) + ".partial")
            lock = pathlib.Path(str(step) + ".lock")
            if (partial / "teacher.h5").exists() and lock.exists():
                return step
        time.sleep(0.2)
    pytest.fail("the teacher never started")


def lock_fields(step):
    text = pathlib.Path(str(step) + ".lock").read_text()
    return dict(token.split("=", 1) for token in text.split())


def assert_same_results(out, local):
    for name in ("results.csv", "report.md"):
        assert (out / name).read_bytes() == (local / name).read_bytes(), name
    assert not list((out / "steps").glob("*.lock")), "a step is left locked"
    assert not list((out / "steps").glob("*.failed")), "a step failed"


def cancel_task(job_task, env, signal=None):
    command = ["scancel"] + ([f"--signal={signal}", "--full"] if signal else []) + [job_task]
    subprocess.run(command, env=env, check=True)
    deadline = time.monotonic() + 120
    job, task = job_task.split("_")
    while time.monotonic() < deadline:
        state = task_states(job, env).get(int(task))
        if state is not None and state not in ("RUNNING", "COMPLETING", "PENDING"):
            return state
        time.sleep(0.5)
    pytest.fail(f"array task {job_task} did not end after scancel")


def test_array_equals_local_run(slurm, local_run, tmp_path):
    out = tmp_path / "array"
    job = submit(out, slurm)
    states = wait_for_array(job, slurm, out)
    assert states == {0: "COMPLETED", 1: "COMPLETED"}
    assert_same_results(out, local_run)
    logs = sorted(p.name for p in (out / "slurm" / "logs").iterdir())
    assert logs == [f"{job}_0.log", f"{job}_1.log"]
    status = memkd(["status", str(PIPELINE), "--out", str(out), "--shards", "--json"], slurm)
    tasks = json.loads(status.stdout)
    assert [(t["task"], t["done"] == t["steps"], t["slurm"]) for t in tasks] == [
        (0, True, "COMPLETED"),
        (1, True, "COMPLETED"),
    ]


def test_scancel_mid_teacher_then_resubmit(slurm, local_run, tmp_path):
    out = tmp_path / "cancelled"
    job = submit(out, slurm)
    step = wait_mid_teacher(out)
    holder = lock_fields(step)["slurm_array"]
    assert holder.startswith(f"{job}_")
    assert cancel_task(holder, slurm) == "CANCELLED"
    status = memkd(["status", str(PIPELINE), "--out", str(out)], slurm).stdout
    assert f"Slurm job array {job}" in status and "CANCELLED" in status
    # The other task may take the abandoned teacher over meanwhile (its holder has exited);
    # either way the resubmitted array and what is left of the first one finish the run.
    again = submit(out, slurm)
    assert again != job
    assert set(wait_for_array(again, slurm, out).values()) == {"COMPLETED"}
    wait_for_array(job, slurm, out)
    assert_same_results(out, local_run)


def test_killed_holder_on_another_node_is_taken_over_by_slurm_state(slurm, local_run, tmp_path):
    out = tmp_path / "killed"
    job = submit(out, slurm)
    step = wait_mid_teacher(out)
    fields = lock_fields(step)
    # The whole array, so that no task of it takes the lock over before it is rewritten.
    subprocess.run(["scancel", "--signal=KILL", "--full", job], env=slurm, check=True)
    wait_for_array(job, slurm, out)
    lock = pathlib.Path(str(step) + ".lock")
    assert lock.exists(), "SIGKILL leaves the holder's lock behind"
    assert not step.exists()
    # As if the holder ran on a node that is now gone: not this host (so no pid check), lease
    # far from over (so no expiry): only `squeue` saying the job ended frees the step.
    fields["host"] = "node-that-died"
    fields["lease"] = "3600"
    lock.write_text(" ".join(f"{k}={v}" for k, v in fields.items()) + "\n")
    status = memkd(["status", str(PIPELINE), "--out", str(out), "--json"], slurm)
    teacher = [e for e in json.loads(status.stdout) if e["kind"] == "teacher"][0]
    assert teacher["state"] == "pending", "a lock of an ended job is not a running step"

    again = submit(out, slurm)
    assert set(wait_for_array(again, slurm, out).values()) == {"COMPLETED"}
    assert_same_results(out, local_run)
