#!/usr/bin/env bash
# The fleet's figures on one GPU host (after scripts/gpu/prepare.sh here), for docs/performance.md: one rank of a
# fleet run exactly as fleet submit's batch script runs it on each GPU (no Slurm is needed, or installable, on the
# device machine), with NVML telemetry, on llama-3.1-8b bf16 at batch 1 and 64; then the folder merged, so that the
# energy per output token of each point is in the fleet's report. First the NVML check (NvmlTelemetryGpuTest: NVML's
# PCI bus id and UUID match CUDA's, a one-second window has power, clocks and temperature).
#   scripts/gpu/fleet-rank-8b.sh           (OUT names the folder for the results; default /tmp/out)
set -uo pipefail
out="${OUT:-/tmp/out}"
mkdir -p "$out"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/on-device.sh" tests --include-classname '.*NvmlTelemetryGpuTest.*' \; \
    tm fleet rank --results "$out/fleet" --fleet-id h200 --rank 0 --ranks 1 --node "$(hostname)" \
    -- run --backend cuda --model llama-3.1-8b --batch 1,64 --prompt-len 1024 --gen 128 --min-trials 3 \
    --max-trials 5 --budget 30 --progress lines \; \
    tm fleet merge "$out/fleet" --format markdown --output "$out/fleet.md"
