#!/bin/bash
# Submits a livemarket calibration to Slurm: for each generation, a job array of N shards and
# a merge job after it, each generation's array after the previous merge; prints the job ids.
#
#   scripts/slurm/calibrate.sh [OPTIONS] SCENARIO OUT [--] [CAL_ARGS...]
#
#   SCENARIO  scenario file with an [uncertain] table; "" calibrates the bundled baseline
#   OUT       the calibration's folder; the jobs' logs go to OUT/logs/
#   CAL_ARGS  other `livemarket calibrate` options, given to every job: --targets,
#             --population, --max-generations, --seed, --set, ... (not --out, --shard,
#             --merge, --threads, --quiet, --resume or --force)
#
# Options:
#   -n, --tasks N        shards per generation (TASKS, default 4)
#   -c, --cpus N         CPUs per job (CPUS_PER_TASK, default 1)
#   -g, --generations G  generations to submit (default: --max-generations of CAL_ARGS,
#                        else 8, livemarket's default); a calibration that stops earlier
#                        leaves the later jobs nothing to do
#   -b, --binary PATH    the livemarket binary (LIVEMARKET; default: release/livemarket of
#                        this checkout's cargo target folder if built, else on PATH)
#   -s, --sbatch OPTS    more sbatch options for every job, split on blanks (SBATCH_OPTS)
#   -p, --parsable       print only the job ids, one generation per line: "ARRAY MERGE"
#   -h, --help           this text
#
# If a job fails (a merge whose shards stopped short of a whole generation, a time limit),
# the jobs after it are cancelled (--kill-on-invalid-dep=yes). Submit again with the same
# arguments: the calibration goes on from its last whole generation, and shards of an
# unfinished generation add to what they saved.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() {
    echo "calibrate.sh: error: $*" >&2
    exit 2
}

tasks=${TASKS:-4}
cpus=${CPUS_PER_TASK:-1}
generations=
binary=${LIVEMARKET:-}
sbatch_opts=${SBATCH_OPTS:-}
parsable=0
positional=()
while (($# > 0)); do
    if ((${#positional[@]} == 2)); then
        [[ $1 == -- ]] && shift
        break
    fi
    case $1 in
    -n | --tasks) tasks=${2:?"$1 needs a value"}; shift 2 ;;
    -c | --cpus) cpus=${2:?"$1 needs a value"}; shift 2 ;;
    -g | --generations) generations=${2:?"$1 needs a value"}; shift 2 ;;
    -b | --binary) binary=${2:?"$1 needs a value"}; shift 2 ;;
    -s | --sbatch) sbatch_opts=${2?"$1 needs a value"}; shift 2 ;;
    -p | --parsable) parsable=1; shift ;;
    -h | --help) usage; exit 0 ;;
    --)
        shift
        while ((${#positional[@]} < 2 && $# > 0)); do positional+=("$1"); shift; done
        ;;
    -*) die "unknown option $1 (calibrate options go after SCENARIO and OUT; see --help)" ;;
    *) positional+=("$1"); shift ;;
    esac
done
((${#positional[@]} == 2)) || { usage >&2; exit 2; }
scenario=${positional[0]}
out=${positional[1]}
cal_args=("$@")

[[ $tasks =~ ^[1-9][0-9]*$ ]] || die "--tasks must be a positive integer, not \`$tasks'"
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus must be a positive integer, not \`$cpus'"
prev=
for a in ${cal_args[@]+"${cal_args[@]}"}; do
    case $a in
    -o | --out | --out=* | --shard | --shard=* | --merge | --threads | --threads=* | -q | \
        --quiet | --resume | --force)
        die "$a is set by the job scripts; leave it out of the calibrate args" ;;
    esac
    [[ $prev == --max-generations && -z $generations ]] && generations=$a
    [[ $a == --max-generations=* && -z $generations ]] && generations=${a#*=}
    prev=$a
done
generations=${generations:-8}
[[ $generations =~ ^[1-9][0-9]*$ ]] || die "--generations must be a positive integer, not \`$generations'"
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node"

if [[ -z $binary ]]; then
    target=$("$here/../target-dir" 2>/dev/null) || target=$here/../../target
    if [[ -x $target/release/livemarket ]]; then binary=$target/release/livemarket; else binary=livemarket; fi
fi
if [[ $binary != */* ]]; then
    binary=$(command -v "$binary") || die "livemarket not found on PATH; build it (cargo build --release) or give --binary"
fi
[[ -x $binary && -f $binary ]] || die "$binary is not an executable file"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
"$binary" calibrate --help 2>/dev/null | grep -q -- '--merge' ||
    die "$binary has no \`calibrate --merge\`: rebuild it from a newer livemarket"
if [[ -n $scenario ]]; then
    [[ -f $scenario ]] || die "scenario $scenario is not a file"
    scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")
fi
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)
read -r -a extra <<<"$sbatch_opts"
export SHARDS=$tasks LIVEMARKET=$binary

after=()
ids=()
for ((g = 0; g < generations; g++)); do
    array_id=$(sbatch --parsable --export=ALL --array="1-$tasks" --cpus-per-task="$cpus" \
        --output="$out/logs/generation-$g-shard-%a-%A.out" ${after[@]+"${after[@]}"} \
        ${extra[@]+"${extra[@]}"} "$here/calibrate.sbatch" "$scenario" "$out" \
        ${cal_args[@]+"${cal_args[@]}"}) || die "sbatch refused the shards of generation $g"
    array_id=${array_id%%;*}
    merge_id=$(sbatch --parsable --export=ALL --cpus-per-task="$cpus" \
        --dependency=afterok:"$array_id" --kill-on-invalid-dep=yes \
        --output="$out/logs/generation-$g-merge-%j.out" ${extra[@]+"${extra[@]}"} \
        "$here/calibrate.sbatch" "$scenario" "$out" ${cal_args[@]+"${cal_args[@]}"}) ||
        die "sbatch refused the merge of generation $g"
    merge_id=${merge_id%%;*}
    after=(--dependency=afterok:"$merge_id" --kill-on-invalid-dep=yes)
    ids+=("$array_id $merge_id")
done
if ((parsable)); then
    printf '%s\n' "${ids[@]}"
else
    echo "submitted $generations generations of $tasks shards and a merge each; last merge job ${ids[-1]#* }"
    echo "results: $out   logs: $out/logs/"
fi
