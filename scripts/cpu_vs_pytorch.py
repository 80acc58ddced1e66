#!/usr/bin/env python3
"""Runs tokenmeter's CPU path and the PyTorch yardstick on the same shapes, one after the other, and prints
prefill and decode tokens/s side by side with their ratio, as a Markdown table.

  python3 scripts/cpu_vs_pytorch.py --peer ../shared/peers/torch_llama.py \
      --model llama-110m --batch 1,8 --prompt 128 --gen 32 --threads 2

Decode tok/s is computed the same way for both: batch / median decode step time. Prefill tok/s: batch x prompt
/ median prefill time. tokenmeter runs through ./tokenmeter (build it first: ./mvnw -B -q package -DskipTests).
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

def tokenmeter(args, root):
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or os.path.join(tmp, 'result.json')
        cmd = [os.path.join(root, 'tokenmeter'), 'run', '--backend', 'cpu', '--model', args.model,
               '--batch', args.batch, '--prompt-len', str(args.prompt), '--gen', str(args.gen),
               '--threads', str(args.threads), '--warmup', '1', '--min-trials', '3', '--max-trials', '10',
               '--budget', str(args.budget), '--json', out]
        if args.keep:
            cmd += ['--output', os.path.splitext(args.keep)[0] + '.html']
        subprocess.run(cmd, check=True, stdout=sys.stderr)
        with open(out) as f:
            result = json.load(f)
    rows = {}
    for p in result['points']:
        steps = [s for t in p['trials'] for s in t['decodeStepMs']]
        prefill = statistics.median(t['prefillMs'] for t in p['trials'])
        rows[p['batch']] = dict(prefill_tok_s=p['batch'] * p['promptLength'] * 1e3 / prefill,
                                decode_tok_s=p['batch'] * 1e3 / statistics.median(steps))
    return rows, result['environment']

def pytorch(args):
    cmd = [args.python, args.peer, '--device', 'cpu', '--dtype', 'fp32', '--model', args.model,
           '--batch', args.batch, '--prompt', str(args.prompt), '--gen', str(args.gen), '--threads', str(args.threads)]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    rows, version = {}, None
    for line in out.splitlines():
        if line.startswith('{'):
            r = json.loads(line)
            version = r['torch']
            rows[r['batch']] = dict(prefill_tok_s=r['batch'] * r['prompt'] * 1e3 / r['prefill_ms_median'],
                                    decode_tok_s=r['decode_tok_s'])
    return rows, version

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--peer', required=True, help='path of torch_llama.py')
    ap.add_argument('--python', default='/usr/bin/python3')
    ap.add_argument('--model', default='llama-110m')
    ap.add_argument('--batch', default='1,8')
    ap.add_argument('--prompt', type=int, default=128)
    ap.add_argument('--gen', type=int, default=32)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--budget', type=float, default=30)
    ap.add_argument('--keep', help="keep tokenmeter's result JSON here (and its HTML report beside it)")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ours, env = tokenmeter(args, root)
    theirs, version = pytorch(args)
    print(f"{args.model}, prompt {args.prompt}, output {args.gen}, {args.threads} threads; CPU: {env['cpu']}; "
          f"tokenmeter {env['tokenmeterVersion']} ({env['gitCommit']}), {env['jvm']}; PyTorch {version} fp32")
    print()
    print('| batch | phase | tokenmeter tok/s | PyTorch tok/s | ratio |')
    print('|---:|---|---:|---:|---:|')
    for b in sorted(ours):
        for phase in ('prefill', 'decode'):
            a, t = ours[b][phase + '_tok_s'], theirs[b][phase + '_tok_s']
            print(f'| {b} | {phase} | {a:.1f} | {t:.1f} | {a / t:.2f}x |')

if __name__ == '__main__':
    main()
