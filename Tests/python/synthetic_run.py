"""A pipeline run folder made from a score table, for tests of `memkd-script report`: steps
copied from the committed paper-protocol manifest (so they decode as real steps), renamed per
dataset, with result files whose test (and validation) AUC-PRC are the table's."""

import copy
import json
import pathlib

REPO = pathlib.Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "results" / "paper-protocol" / "pipeline.json"
METHODS = ["base", "base-kd", "memkd", "dt2w", "vid", "fitnet"]


def metrics(value):
    return {"acc": value, "auc_prc": value, "auc_roc": value}


def write_synthetic_run(folder, scores, seeds=2):
    """`scores[dataset][method]` (fractions; methods in METHODS order, at most six) into a run
    folder at `folder`/run: a teacher per dataset (score 0.99) and `seeds` student runs per
    method and dataset, all with the table's value. Returns the folder."""
    manifest = json.loads(TEMPLATE.read_text())
    steps = manifest["steps"]
    teacher_template = next(s for s in steps if s["kind"] == "teacher")
    student_templates = {
        s["student"]["method"]: s for s in steps if s["kind"] == "student" and not s["student"]["axes"]
    }
    run = pathlib.Path(folder) / "run"
    (run / "steps").mkdir(parents=True)
    new_steps = []
    for d, row in enumerate(scores):
        dataset = f"Set{d:03d}"
        teacher = copy.deepcopy(teacher_template)
        teacher.update(dataset=dataset, id=f"teacher-{d:016x}", hash=f"{d:064x}")
        new_steps.append(teacher)
        write_result(run, teacher["id"], {
            "dataset": dataset, "teacher": "teacher", "params": 1, "seconds": 1.0,
            "test": metrics(0.99), "validation": metrics(0.99),
        })
        for m, value in enumerate(row):
            method = METHODS[m]
            for seed in range(seeds):
                step = copy.deepcopy(student_templates[method])
                number = (d * 100 + m) * 100 + seed
                step.update(
                    dataset=dataset, id=f"student-{number:016x}", hash=f"{number:064x}",
                    seed=seed, beta=step["student"]["betaGrid"][0], dependencies=[teacher["id"]],
                )
                new_steps.append(step)
                write_result(run, step["id"], {
                    "axes": {}, "best_epoch": 1, "beta": step["beta"], "dataset": dataset,
                    "epochs": 1, "method": method, "params": 1, "seconds": 1.0, "seed": seed,
                    "teacher": "teacher", "test": metrics(float(value)),
                    "validation": metrics(float(value)), "validation_loss": 0.0,
                    "variant": method,
                })
    manifest["steps"] = new_steps
    (run / "pipeline.json").write_text(json.dumps(manifest))
    return run


def write_result(run, step_id, record):
    folder = run / "steps" / step_id
    folder.mkdir()
    (folder / "result.json").write_text(json.dumps(record))
