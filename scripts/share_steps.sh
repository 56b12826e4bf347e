#!/bin/sh
# Copies into a pipeline's run folder every finished step of another run folder that the
# pipeline also plans (same step id = same options, data and upstream steps), so that a second
# pipeline over the same teachers (examples/paper-ablation.yaml) retrains nothing it shares with
# the first. Finished steps only: work in progress (.partial), locks and failures stay behind.
# Usage: scripts/share_steps.sh FROM_RUN_DIR PIPELINE.yaml [MEMKD_SCRIPT]
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 FROM_RUN_DIR PIPELINE.yaml [MEMKD_SCRIPT]" >&2
  exit 2
fi
from=$1
pipeline=$2
script=${3:-.build/release/memkd-script}
if [ ! -f "$from/pipeline.json" ]; then
  echo "$0: $from/pipeline.json: no such file (not a pipeline run folder)" >&2
  exit 1
fi
"$script" status "$pipeline" --all --json | python3 -c '
import json, os, shutil, sys
source, pipeline = sys.argv[1], sys.argv[2]
steps = json.load(sys.stdin)
with open(pipeline) as f:
    output = next(line.split(":", 1)[1].strip() for line in f if line.startswith("output:"))
os.makedirs(os.path.join(output, "steps"), exist_ok=True)
copied = 0
for step in steps:
    src = os.path.join(source, "steps", step["id"])
    dst = os.path.join(output, "steps", step["id"])
    if os.path.isfile(os.path.join(src, "result.json")) and not os.path.exists(dst):
        shutil.copytree(src, dst + ".copying")
        os.rename(dst + ".copying", dst)
        copied += 1
print(f"{output}: copied {copied} finished steps from {source}")
' "$from" "$pipeline"
