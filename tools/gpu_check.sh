#!/usr/bin/env bash
# The GPU check: everything the course does only on a CUDA GPU, in one run of at most 8 minutes.
#
#   1. the CUDA-only tests (CPU and CUDA renders agree);
#   2. timings of a native 4K frame and a native 4K texture-model generation (tools/gpu_timings.py);
#   3. lessons 02, 05 and 07 executed at the GPU tier (true 4K sizes, not smoke mode).
#
# Run it from the repository root after README command (b):  bash tools/gpu_check.sh
# It prints one summary table (paste it into BENCHMARKS.md). On a machine without a CUDA GPU it
# says so, marks every check skipped and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python}"
OUT="${OUT:-$(mktemp -d)}"
declare -a ROWS=()

if ! "$PY" -c "import lab, torch" 2>/dev/null; then
    echo "gpu_check: '$PY' cannot import lab and torch; install the course first (README command (b))." >&2
    exit 2
fi
if ! "$PY" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)"; then
    echo "gpu_check: no CUDA GPU is visible to torch here; every GPU check is skipped."
    echo
    echo "| check | status | seconds |"
    echo "| --- | --- | --- |"
    for check in "CUDA-only tests" "native 4K timings" "lessons 02 05 07 at the GPU tier"; do
        echo "| $check | skipped: no CUDA GPU | - |"
    done
    exit 0
fi
"$PY" -c "import torch; print('gpu_check on', torch.cuda.get_device_name(0), '| torch', torch.__version__)"

run() {  # run NAME LIMIT_S COMMAND...: one check under a time limit, recorded in the summary
    local name="$1" limit="$2" start=$SECONDS status
    shift 2
    echo "::: $name (at most $limit s)"
    if timeout "$limit" "$@"; then status="passed"; else status="FAILED (exit $?)"; fi
    ROWS+=("| $name | $status | $((SECONDS - start)) |")
}

export LAB_DEVICE=cuda
run "CUDA-only tests" 90 "$PY" -m pytest -q -p no:cacheprovider tests/test_native.py -k cuda
run "native 4K timings" 120 bash -c "\"$PY\" tools/gpu_timings.py > \"$OUT/timings.md\""
run "lessons 02 05 07 at the GPU tier" 240 "$PY" tools/run_lessons.py --full --only 02 05 07 --out "$OUT/lessons"

echo
echo "| check | status | seconds |"
echo "| --- | --- | --- |"
printf '%s\n' "${ROWS[@]}"
if [ -s "$OUT/timings.md" ]; then
    echo
    echo "| measurement | seconds | note |"
    echo "| --- | --- | --- |"
    cat "$OUT/timings.md"
fi
case "${ROWS[*]}" in *FAILED*) exit 1 ;; esac
