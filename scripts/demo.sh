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
sed -n '/^## Test AUC-PRC/,/^### Chosen beta/p' "$run/report.md" | grep '^|'

# The MemKD student of seed 0 and the teacher, by their steps' recorded results.
find_step() {
  python3 - "$run/steps" "$1" "$2" <<'PY'
import json, pathlib, sys
steps, kind, method = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
for result in sorted(steps.glob(kind + "-*/result.json")):
    record = json.loads(result.read_text())
    if kind == "teacher" or (record.get("method") == method and record.get("seed") == 0):
        print(result.parent / (kind + ".h5"))
        break
else:
    sys.exit(f"demo: no finished {kind} step {method} in {steps}")
PY
}
student=$(find_step student memkd)
teacher=$(find_step teacher -)
traces=$(ls "$run"/steps/trace-*/traces.h5 | head -1)
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
