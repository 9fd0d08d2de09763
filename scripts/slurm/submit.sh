#!/bin/bash
# Submits a livemarket run to Slurm as a job array of N shards plus a merge job that starts
# once every shard has succeeded, and prints their job ids.
#
#   scripts/slurm/submit.sh [OPTIONS] SCENARIO OUT [--] [RUN_ARGS...]
#
#   SCENARIO  scenario file; "" runs the bundled baseline
#   OUT       result folder, created here; it must not exist yet or be empty (but see
#             --resume). Task K writes OUT/shard-K, the merge writes the result files into OUT
#             itself, and every job's log goes to OUT/logs/
#   RUN_ARGS  other `livemarket run` options, passed to every shard as they are: --vary,
#             --trials, --seed, --set, --design, --weekly-trials, ... (not --out, --shard,
#             --threads, --quiet, --resume or --force, which the job scripts set)
#
# Options (and the environment variable each defaults to):
#   -n, --tasks N        number of shards = array tasks (TASKS, default 4)
#   -c, --cpus N         CPUs per task, given to `livemarket run --threads` (CPUS_PER_TASK,
#                        default 1)
#   -m, --max-running M  run at most M shards at once (--array=1-N%M; default: no limit)
#   -b, --binary PATH    the livemarket binary (LIVEMARKET; default: release/livemarket in
#                        this checkout's cargo target folder if built, else `livemarket` on
#                        PATH). It must be on a filesystem that the compute nodes see, as
#                        must SCENARIO and OUT.
#   -s, --sbatch OPTS    more sbatch options for both jobs, split on blanks, e.g.
#                        "--partition=short --time=02:00:00 --account=myproject --mem=8G"
#                        (SBATCH_OPTS). sbatch's own SBATCH_PARTITION, SBATCH_TIMELIMIT,
#                        SBATCH_ACCOUNT, ... variables work too.
#   -r, --resume         OUT holds the shards of an earlier submission that did not finish
#                        (a shard hit its time limit, a node failed): submit it again with
#                        the same SCENARIO, OUT, -n and RUN_ARGS; complete shards are kept,
#                        interrupted ones continue where they stopped, then the merge runs
#   -p, --parsable       print only "ARRAY_JOB_ID MERGE_JOB_ID" (for scripts)
#   -h, --help           this text
#
# Example: a 2-point sweep of 400 trials as 8 shards of 4 threads each
#
#   cargo build --release
#   scripts/slurm/submit.sh -n 8 -c 4 -s "--time=01:00:00" scenarios/baseline.toml \
#       results/gb-subsidy --vary platforms.tiktok.markets.GB.subsidy.rate=0.2,0.4 --trials 400
#   squeue -u "$USER"          # wait; then results/gb-subsidy/summary.csv
#
# If a shard fails, the merge job is cancelled (--kill-on-invalid-dep=yes): read
# OUT/logs/shard-K-*.out, fix the cause (a longer --time, more --mem), and submit again with
# --resume.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

usage() {
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}
die() {
    echo "submit.sh: error: $*" >&2
    exit 2
}

tasks=${TASKS:-4}
cpus=${CPUS_PER_TASK:-1}
max_running=
binary=${LIVEMARKET:-}
sbatch_opts=${SBATCH_OPTS:-}
parsable=0
resume=0
positional=()
while (($# > 0)); do
    if ((${#positional[@]} == 2)); then
        # Everything after SCENARIO and OUT is run args (so `-n 100` there is --trials).
        [[ $1 == -- ]] && shift
        break
    fi
    case $1 in
    -n | --tasks) tasks=${2:?"$1 needs a value"}; shift 2 ;;
    --tasks=*) tasks=${1#*=}; shift ;;
    -c | --cpus) cpus=${2:?"$1 needs a value"}; shift 2 ;;
    --cpus=*) cpus=${1#*=}; shift ;;
    -m | --max-running) max_running=${2:?"$1 needs a value"}; shift 2 ;;
    --max-running=*) max_running=${1#*=}; shift ;;
    -b | --binary) binary=${2:?"$1 needs a value"}; shift 2 ;;
    --binary=*) binary=${1#*=}; shift ;;
    -s | --sbatch) sbatch_opts=${2?"$1 needs a value"}; shift 2 ;;
    --sbatch=*) sbatch_opts=${1#*=}; shift ;;
    -r | --resume) resume=1; shift ;;
    -p | --parsable) parsable=1; shift ;;
    -h | --help) usage; exit 0 ;;
    --)
        # Options end; SCENARIO and OUT follow.
        shift
        while ((${#positional[@]} < 2 && $# > 0)); do positional+=("$1"); shift; done
        ;;
    -*) die "unknown option $1 (run args go after SCENARIO and OUT; see --help)" ;;
    *) positional+=("$1"); shift ;;
    esac
done
((${#positional[@]} == 2)) || { usage >&2; exit 2; }
scenario=${positional[0]}
out=${positional[1]}
run_args=("$@")

[[ $tasks =~ ^[1-9][0-9]*$ ]] || die "--tasks must be a positive integer, not \`$tasks'"
[[ $cpus =~ ^[1-9][0-9]*$ ]] || die "--cpus must be a positive integer, not \`$cpus'"
[[ -z $max_running || $max_running =~ ^[1-9][0-9]*$ ]] ||
    die "--max-running must be a positive integer, not \`$max_running'"
for a in ${run_args[@]+"${run_args[@]}"}; do
    case $a in
    -o | --out | --out=* | --shard | --shard=* | -j | --threads | --threads=* | -q | --quiet | \
        --resume | --force)
        die "$a is set by the job scripts; leave it out of the run args" ;;
    --dry-run)
        die "$a makes no sense for a submitted run" ;;
    esac
done
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node"

# The binary, as an absolute path.
if [[ -z $binary ]]; then
    # Where cargo builds (CARGO_TARGET_DIR, build.target-dir), or target/ without cargo here.
    target=$("$here/../target-dir" 2>/dev/null) || target=$here/../../target
    if [[ -x $target/release/livemarket ]]; then
        binary=$target/release/livemarket
    else
        binary=livemarket
    fi
fi
if [[ $binary != */* ]]; then
    resolved=$(command -v "$binary") || die "$binary not found on PATH; build it (cargo build --release) or give --binary"
    binary=$resolved
fi
[[ -x $binary && -f $binary ]] || die "$binary is not an executable file"
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
"$binary" run --help 2>/dev/null | grep -q -- '--shard' ||
    die "$binary has no \`run --shard\`: rebuild it from a newer livemarket"

# The scenario and the output folder, as absolute paths (jobs may start elsewhere).
if [[ -n $scenario ]]; then
    [[ -f $scenario ]] || die "scenario $scenario is not a file"
    scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")
fi
if [[ -e $out ]]; then
    [[ -d $out ]] || die "$out exists and is not a folder"
    if ((resume)); then
        ! grep -qs '"status": *"complete"' "$out/manifest.json" ||
            die "$out already holds the complete merged results: nothing to resume"
    else
        [[ -z $(ls -A "$out") ]] ||
            die "$out is not empty: choose a new folder, remove it, or pass --resume to continue an unfinished submission there"
    fi
fi
new_out=0
[[ -e $out ]] || new_out=1
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)

read -r -a extra <<<"$sbatch_opts"
array=1-$tasks${max_running:+%$max_running}

# SHARDS and LIVEMARKET reach the jobs through the environment (--export=ALL, whatever
# SBATCH_EXPORT says).
export SHARDS=$tasks LIVEMARKET=$binary
if ! array_out=$(sbatch --parsable --export=ALL --array="$array" --cpus-per-task="$cpus" \
    --output="$out/logs/shard-%a-%A.out" ${extra[@]+"${extra[@]}"} \
    "$here/sweep.sbatch" "$scenario" "$out" ${run_args[@]+"${run_args[@]}"}); then
    # Leave no empty folder behind, so that the corrected command can run as it is.
    if ((new_out)); then rmdir "$out/logs" "$out" 2>/dev/null || true; fi
    die "sbatch refused the array job (its message is above); a cluster may want --sbatch \"--time=... --account=...\""
fi
array_id=${array_out%%;*}
[[ $array_id =~ ^[0-9]+$ ]] || die "could not read the array job id from sbatch: $array_out"

if ! merge_out=$(sbatch --parsable --export=ALL --dependency=afterok:"$array_id" \
    --kill-on-invalid-dep=yes --output="$out/logs/merge-%j.out" ${extra[@]+"${extra[@]}"} \
    "$here/merge.sbatch" "$out" "$tasks"); then
    scancel "$array_id" || true
    die "submitting the merge job failed; cancelled array job $array_id"
fi
merge_id=${merge_out%%;*}

if ((parsable)); then
    echo "$array_id $merge_id"
else
    echo "submitted array job $array_id ($tasks shards, $cpus CPU(s) each) and merge job $merge_id (after all shards succeed)"
    echo "results: $out   logs: $out/logs/"
    echo "watch:   squeue -j $array_id,$merge_id      cancel: scancel $array_id $merge_id"
fi
