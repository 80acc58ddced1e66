#!/usr/bin/env bash
# The GPU serving figures of issue #5, in one call on a GPU host (after scripts/gpu/prepare.sh here; carry .device):
# llama-3.1-8b bf16 on the CUDA backend, continuous batching with serve's defaults (64 sequences, a step budget of
# 2048 tokens, a KV cache of 16-position blocks holding every sequence at full length, 8 warm-up requests), SLOs
# TTFT p99 <= 2 s and TPOT p99 <= 100 ms (MLPerf Server's for Llama-3.1-8B):
#   1. a Poisson rate sweep, prompt 1024, output 128              -> serve-8b-sweep.json (and .html, with charts)
#   2. capacity for 100 req/s from that sweep (tm plan)          -> plan-8b.json
#   3. the mixed-length trace docs/traces/mixed-8b.jsonl (make-trace.py: 160 requests, 8 req/s Poisson, log-normal
#      prompts 32..4096 and outputs 16..512) replayed with --trace-scale F = 2, 1 and 0.5 (4, 8 and 16 req/s)
#                                                                 -> serve-8b-trace-scale<F>.json (and .md)
#   4. the highest Poisson rate meeting the SLOs, prompt 1024, output 128 (--search) -> serve-8b-search.json (.md)
#   5. capacity for 100 req/s from the search (tm plan)         -> plan-8b-search.json
#
#   scripts/gpu/serve-8b.sh        (OUT names the folder for the results; default /tmp/out)
#
# Time: the estimate printed first, about 7 minutes on an H100, is a model, not a measurement: per tm call
# STARTUP_S (JVM, CUDA context, 16 GB of synthetic weights, the device's ceilings, warm-up); per point its
# arrivals (requests / rate, or requests / CAPACITY once the rate is past the capacity guessed below) plus a drain
# (the last requests' latency). The sweep's rates go past the ceiling the offline run suggests (2020 output tok/s
# at batch 64 is ~16 req/s of 128-token outputs; decode alone runs at ~4600 tok/s at batch 64, and prefill of 1024
# tokens takes ~36 ms, so serving saturates somewhere around 15-20 req/s). 120 requests per point keep the fastest
# points at 6 s or more of arrivals, enough for serve's overload rules to judge them. A stage starts only while
# 1.3 times its estimate is left of BUDGET_S (else it is skipped, saying so), because serve writes its JSON when it
# ends: a call cut off by the device's time limit would lose the points of the stage it was in. Every point is also
# cut at --max-duration.
# Override with the environment: RATES, REQUESTS, TRACE_SCALES, SEARCH, BUDGET_S.
set -uo pipefail
out="${OUT:-/tmp/out}"
mkdir -p "$out"
export OUT="$out"   # on-device.sh's log goes beside the results
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

rates="${RATES:-4,8,10,12,14,16,18,20}"
requests="${REQUESTS:-120}"
trace="$repo/docs/traces/mixed-8b.jsonl"
trace_scales="${TRACE_SCALES:-2 1 0.5}"
search="${SEARCH:-6:24}"
slo="ttft=2s,tpot=100ms"
budget="${BUDGET_S:-540}"
common=(--backend cuda --model llama-3.1-8b --slo "$slo")

# The estimate's model (seconds, req/s): see the header.
STARTUP_S=12 DRAIN_S=5 TRACE_DRAIN_S=10 CAPACITY=16 TRACE_CAPACITY=12 SEARCH_PROBES=7
[[ -f $trace ]] || { echo "serve-8b: error: $trace missing (scripts/gpu/make-trace.py --output $trace)"; exit 2; }
# Requests and the last arrival (s) of the trace: one object a line, "at" first, as make-trace.py writes them.
read -r trace_requests trace_span < <(awk -F'[:,]' '{at = $2} END {printf "%d %.1f\n", NR, at}' "$trace")
est_sweep=$(awk -v n="$requests" -v r="$rates" -v c=$CAPACITY -v s=$STARTUP_S -v d=$DRAIN_S 'BEGIN {
    k = split(r, a, ","); t = s; for (i = 1; i <= k; i++) t += n / (a[i] < c ? a[i] : c) + d; printf "%d", t }')
est_trace=$(awk -v n="$trace_requests" -v span="$trace_span" -v f="$trace_scales" -v c=$TRACE_CAPACITY \
    -v s=$STARTUP_S -v d=$TRACE_DRAIN_S 'BEGIN {
    k = split(f, a, " "); t = 0; for (i = 1; i <= k; i++) { x = span * a[i]; if (x < n / c) x = n / c; t += s + x + d }
    printf "%d", t }')
est_search=$(awk -v n="$requests" -v b="$search" -v c=$CAPACITY -v p=$SEARCH_PROBES -v s=$STARTUP_S -v d=$DRAIN_S \
    'BEGIN { split(b, a, ":"); printf "%d", s + n / a[1] + d + (p - 1) * (n / c + d) }')
est_plan=5
est_total=$((est_sweep + 2 * est_plan + est_trace + est_search + 10))  # 10 s: on-device.sh unpacking the bundle
echo "=== serve-8b: estimated ${est_total} s (~$(((est_total + 59) / 60)) min; budget ${budget} s):" \
    "sweep ${est_sweep} s (rates $rates, $requests requests each), plan ${est_plan} s," \
    "trace ${est_trace} s ($trace_requests requests over ${trace_span} s, scales $trace_scales)," \
    "search ${est_search} s ($search, $requests requests per probe)"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm \
    --format=csv,noheader

start=$SECONDS
status=0
skipped=""
# stage NAME ESTIMATE_S CHECKED COMMAND...: runs COMMAND unless less than 1.3 x ESTIMATE_S of the budget is left.
# A failure of a CHECKED stage (1) sets the script's exit status; an unchecked one (0) is only reported.
stage() {
    local name=$1 estimate=$2 checked=$3 left begun rc
    shift 3
    left=$((budget - (SECONDS - start)))
    if ((estimate * 13 / 10 > left)); then
        echo "=== serve-8b: SKIPPED $name: estimated ${estimate} s, ${left} s of the budget left"
        skipped="$skipped${skipped:+, }$name"
        return 0
    fi
    echo "=== serve-8b: $name (estimated ${estimate} s; $((SECONDS - start)) s elapsed)"
    begun=$SECONDS
    "$@"
    rc=$?
    echo "=== serve-8b: $name: exit $rc after $((SECONDS - begun)) s"
    if ((rc != 0 && checked && status == 0)); then
        status=$rc
    fi
    return 0
}

stage "rate sweep" "$est_sweep" 1 "$here/on-device.sh" tm serve "${common[@]}" --rate "$rates" \
    --requests "$requests" --prompt-len 1024 --gen 128 --max-duration 60 \
    --json "$out/serve-8b-sweep.json" --output "$out/serve-8b-sweep.html"

if [[ -f $out/serve-8b-sweep.json ]]; then
    stage "plan for 100 req/s" "$est_plan" 1 "$here/on-device.sh" tm plan --result "$out/serve-8b-sweep.json" \
        --rate 100 --slo "$slo" --json "$out/plan-8b.json"
else
    echo "=== serve-8b: no sweep result: no plan"
fi

for scale in $trace_scales; do
    one=$(awk -v n="$trace_requests" -v span="$trace_span" -v f="$scale" -v c=$TRACE_CAPACITY -v s=$STARTUP_S \
        -v d=$TRACE_DRAIN_S 'BEGIN { x = span * f; if (x < n / c) x = n / c; printf "%d", s + x + d }')
    stage "trace, scale $scale" "$one" 1 "$here/on-device.sh" tm serve "${common[@]}" --trace "$trace" \
        --trace-scale "$scale" --max-duration 90 \
        --json "$out/serve-8b-trace-scale$scale.json" --output "$out/serve-8b-trace-scale$scale.md"
done

stage "SLO search $search" "$est_search" 1 "$here/on-device.sh" tm serve "${common[@]}" --search "$search" \
    --requests "$requests" --prompt-len 1024 --gen 128 --max-duration 60 \
    --json "$out/serve-8b-search.json" --output "$out/serve-8b-search.md"

if [[ -f $out/serve-8b-search.json ]]; then
    stage "plan for 100 req/s from the search" "$est_plan" 1 "$here/on-device.sh" tm plan \
        --result "$out/serve-8b-search.json" --rate 100 --slo "$slo" --json "$out/plan-8b-search.json"
fi

echo "=== serve-8b: done in $((SECONDS - start)) s (estimated ${est_total} s)," \
    "exit $status${skipped:+; skipped: $skipped}"
ls -l "$out"
exit "$status"
