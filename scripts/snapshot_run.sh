#!/bin/sh
# Copies a pipeline run folder's raw results (pipeline.json and the result.json of every
# finished step of its plan, no checkpoints or traces) into DEST, so that `memkd-script report DEST` can
# regenerate the report from committed files. Usage: scripts/snapshot_run.sh RUN_DIR DEST
set -eu
if [ $# -ne 2 ]; then
  echo "usage: $0 RUN_DIR DEST" >&2
  exit 2
fi
run=$1
dest=$2
if [ ! -f "$run/pipeline.json" ]; then
  echo "$0: $run/pipeline.json: no such file (not a pipeline run folder)" >&2
  exit 1
fi
mkdir -p "$dest/steps"
cp "$run/pipeline.json" "$dest/pipeline.json"
count=0
# Only the steps of the run's current plan: a run folder may also hold finished steps of an
# earlier version of the file (another preprocessing, say), which the report does not read.
for step in $(python3 -c 'import json, sys; print("\n".join(s["id"] for s in json.load(open(sys.argv[1]))["steps"]))' "$run/pipeline.json"); do
  result="$run/steps/$step/result.json"
  [ -f "$result" ] || continue
  mkdir -p "$dest/steps/$step"
  cp "$result" "$dest/steps/$step/result.json"
  count=$((count + 1))
done
echo "$dest: pipeline.json and $count step results"
