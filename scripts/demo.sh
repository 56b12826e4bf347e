#!/bin/sh
# `make demo`: the toolkit's main job on a shipped dataset, in about a minute on two cores.
# examples/quickstart.yaml trains a teacher, records its traces and distils Base, Base-KD and
# MemKD students (3 seeds each); then the students' test AUC-PRC from the run's report, the MemKD
# student's size and speed on the edge (`profile`), and its C header (`export-c`).
# Run again, it reuses every finished step. Usage: scripts/demo.sh MEMKD_SCRIPT OUT_DIR
set -eu
if [ $# -ne 2 ]; then
  echo "usage: $0 MEMKD_SCRIPT OUT_DIR" >&2
  exit 2
fi
script=$1
out=$2
run="$out/quickstart"
"$script" run examples/quickstart.yaml --jobs 2 --plain --out "$run"

echo
echo "== Test AUC-PRC (%), mean +- std over 3 seeds (from $run/report.md)"
# The first table after the report's AUC-PRC heading.
awk '/^#+ Test AUC-PRC/ { found = 1; next } found && /^\|/ { print; shown = 1; next }
     shown { exit }' "$run/report.md" | grep . || echo "(no AUC-PRC table in $run/report.md)"

# The MemKD student of seed 0 of this pipeline (the run's pipeline.json, not whatever else the
# folder holds), and the teacher and traces it was distilled from (its dependencies).
files=$(python3 - "$run" <<'PY'
import json, pathlib, sys
run = pathlib.Path(sys.argv[1])
steps = {step["id"]: step for step in json.loads((run / "pipeline.json").read_text())["steps"]}
student = next((s for s in steps.values() if s["kind"] == "student"
                and s["student"]["method"] == "memkd" and s.get("seed") == 0), None)
if student is None:
    sys.exit(f"demo: {run}/pipeline.json plans no MemKD student of seed 0")
names = {"student": "student.h5", "trace": "traces.h5", "teacher": "teacher.h5"}
paths = {"student": run / "steps" / student["id"] / "student.h5"}
for dependency in student["dependencies"]:
    kind = steps[dependency]["kind"]
    paths[kind] = run / "steps" / dependency / names[kind]
for kind in ("student", "trace", "teacher"):
    if not paths.get(kind, pathlib.Path("/nonexistent")).is_file():
        sys.exit(f"demo: the {kind} file of the MemKD student's run is missing in {run}/steps")
print(paths["student"], paths["trace"], paths["teacher"], sep="\n")
PY
)
{ IFS= read -r student; IFS= read -r traces; IFS= read -r teacher; } <<EOF
$files
EOF
header="$out/memkd_student.h"

echo
echo "== The MemKD student on the edge (profile)"
"$script" profile --checkpoint "$student" --teacher "$teacher"

echo
echo "== Its C header (export-c)"
"$script" export-c --checkpoint "$student" --out "$header"

echo
echo "== Files"
echo "run folder (report, results.csv, every step): $run"
echo "report:          $run/report.md"
echo "teacher:         $teacher"
echo "teacher traces:  $traces"
echo "MemKD student:   $student"
echo "C header:        $header"
