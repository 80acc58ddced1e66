#!/usr/bin/env bash
# The GPU figures of docs/performance.md, in one call on a GPU host (after scripts/gpu/prepare.sh here):
# tokenmeter and the PyTorch yardstick (eager and CUDA graphs) on llama-3.1-8b bf16, batch 1, 8, 32 and 64,
# prompt 1024, output 128; and torch.matmul's bf16 rate at 8192^3 beside tokenmeter's own GEMM ceiling.
#   scripts/gpu/measure-8b.sh            (OUT names the folder for the results; default /tmp/out)
set -uo pipefail
out="${OUT:-/tmp/out}"
mkdir -p "$out"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/on-device.sh" info \; tm run --backend cuda --model llama-3.1-8b --batch 1,8,32,64 --prompt-len 1024 \
    --gen 128 --min-trials 3 --max-trials 5 --budget 30 --progress lines --json "$out/tokenmeter-8b.json"
for mode in eager graph; do
    echo "=== torch $mode"
    PYTHONUNBUFFERED=1 python3 .device/torch_llama.py --model llama-3.1-8b --batch 1,8,32,64 --prompt 1024 \
        --gen 128 --mode "$mode" | tee "$out/torch-8b-$mode.jsonl"
done
echo "=== torch.matmul bf16 8192^3"
python3 - <<'PY' | tee "$out/torch-matmul.txt"
import torch
a = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16)
b = torch.randn(8192, 8192, device='cuda', dtype=torch.bfloat16)
for _ in range(3):
    a @ b
s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
ts = []
for _ in range(9):
    s.record(); a @ b; e.record(); e.synchronize(); ts.append(s.elapsed_time(e))
ts.sort()
print(f"torch.matmul bf16 8192^3: median {ts[4]:.3f} ms, {2 * 8192**3 / (ts[4] / 1e3) / 1e12:.1f} TFLOP/s")
PY
