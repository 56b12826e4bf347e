#!/bin/sh
# Copies a pipeline run folder's raw results (pipeline.json and every finished step's
# result.json, no checkpoints or traces) into DEST, so that `memkd-script report DEST` can
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
for result in "$run"/steps/*/result.json; do
  [ -f "$result" ] || continue
  step=$(basename "$(dirname "$result")")
  mkdir -p "$dest/steps/$step"
  cp "$result" "$dest/steps/$step/result.json"
  count=$((count + 1))
done
echo "$dest: pipeline.json and $count step results"
