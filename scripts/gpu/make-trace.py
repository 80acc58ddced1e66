#!/usr/bin/env python3
"""Writes a seeded, mixed-length serving trace for `tokenmeter serve --trace` (JSON Lines, one request per line:
{"at": seconds, "prompt": tokens, "output": tokens}, in time order; the format TraceArrivals reads).

    scripts/gpu/make-trace.py [--requests N] [--rate REQ/S] [--seed S] [--output FILE]

Defaults make docs/traces/mixed-8b.jsonl exactly (that file is this script's output with no options):
    scripts/gpu/make-trace.py --output docs/traces/mixed-8b.jsonl

The workload, and why:
  - Arrivals: Poisson at --rate (exponential gaps of mean 1/rate s); the first request arrives at 0 so that a
    replay starts at once. `serve --trace-scale F` multiplies every time by F, so one file gives a rate sweep
    (F = 0.5 doubles the rate).
  - Prompt tokens: log-normal, median 700, sigma 0.8 (of the natural log), clipped to [32, 4096]: a long tail
    of document-sized prompts beside short chat turns. Mean about 950 tokens; about 1.4% of requests are
    clipped to 4096.
  - Output tokens: log-normal, median 150, sigma 0.7, clipped to [16, 512]: mostly answers of a few sentences
    to a few paragraphs, about 4% capped at 512. Mean about 185.
  - Prompt and output lengths are drawn independently of each other and of the arrivals.
These are a deliberate choice of shape (long-tailed, medians in the range chat and RAG serving sees), not a fit
to any published trace. They keep every request within llama-3.1-8b's reach on one GPU: `serve` sizes its
context to the trace's longest prompt plus its longest output, at most 4096 + 512 = 4608 positions, and its
default KV cache then (--max-seqs 64 sequences at full length, 64 x 288 blocks of 16 positions, 36 GiB of bf16
keys and values for the 8B model) fits an 80 GB H100 beside the 15 GiB of weights.

Defaults: 160 requests at 8 req/s, seed 5 (an arbitrary pick, not a chosen sample). The file they make has 19.8 s
of arrivals, prompts of median 834 and mean 997 tokens (three at 4096), outputs of median 170 and mean 202 (seven
at 512); replayed at --trace-scale 2, 1 and 0.5 (4, 8 and 16 req/s) it takes about 70 s of arrivals plus drains on
an H100 (scripts/gpu/serve-8b.sh). Python 3 standard library only.
The same seed gives the same file: every draw comes from random.Random.random(), whose sequence for a given seed
Python keeps across versions (unlike its other methods, such as lognormvariate, which it may change), turned into
exponential and normal draws here (inversion; Box-Muller).
"""

import argparse
import json
import math
import random
import sys

PROMPT_MEDIAN, PROMPT_SIGMA, PROMPT_MIN, PROMPT_MAX = 700, 0.8, 32, 4096
OUTPUT_MEDIAN, OUTPUT_SIGMA, OUTPUT_MIN, OUTPUT_MAX = 150, 0.7, 16, 512


def exponential(rng, rate):
    """An exponential draw of mean 1/rate, by inversion."""
    return -math.log(1.0 - rng.random()) / rate


def normal(rng):
    """A standard normal draw, by Box-Muller (one of the pair)."""
    u = 1.0 - rng.random()  # in (0, 1]: log(u) is finite
    return math.sqrt(-2.0 * math.log(u)) * math.cos(2.0 * math.pi * rng.random())


def length(rng, median, sigma, lo, hi):
    """A log-normal draw around `median` (tokens), rounded and clipped to [lo, hi]."""
    return max(lo, min(hi, round(median * math.exp(sigma * normal(rng)))))


def trace(requests, rate, seed):
    """The requests as (at seconds, prompt tokens, output tokens), in time order."""
    # Three independent streams, so that changing one distribution leaves the others' draws as they were.
    arrivals = random.Random(f"{seed}/arrivals")
    prompts = random.Random(f"{seed}/prompts")
    outputs = random.Random(f"{seed}/outputs")
    at = 0.0
    rows = []
    for i in range(requests):
        if i > 0:
            at += exponential(arrivals, rate)
        rows.append((at, length(prompts, PROMPT_MEDIAN, PROMPT_SIGMA, PROMPT_MIN, PROMPT_MAX),
                     length(outputs, OUTPUT_MEDIAN, OUTPUT_SIGMA, OUTPUT_MIN, OUTPUT_MAX)))
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=160, help="requests in the trace (default: 160)")
    p.add_argument("--rate", type=float, default=8.0, help="Poisson arrival rate, requests/s (default: 8)")
    p.add_argument("--seed", type=int, default=5, help="seed of arrivals and lengths (default: 5)")
    p.add_argument("--output", help="file to write (default: stdout)")
    a = p.parse_args()
    if a.requests < 1:
        p.error(f"--requests must be >= 1, got {a.requests}")
    if not (a.rate > 0 and math.isfinite(a.rate)):
        p.error(f"--rate must be a finite number of requests/s > 0, got {a.rate}")
    lines = [json.dumps({"at": round(at, 6), "prompt": prompt, "output": output})
             for at, prompt, output in trace(a.requests, a.rate, a.seed)]
    text = "\n".join(lines) + "\n"
    if a.output:
        with open(a.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    rows = [json.loads(line) for line in lines]
    prompts = sorted(r["prompt"] for r in rows)
    outputs = sorted(r["output"] for r in rows)
    print(f"make-trace: {len(rows)} requests over {rows[-1]['at']:.1f} s ({a.rate:g} req/s Poisson, seed {a.seed});"
          f" prompt median {prompts[len(rows) // 2]}, max {prompts[-1]}, mean {sum(prompts) / len(rows):.0f};"
          f" output median {outputs[len(rows) // 2]}, max {outputs[-1]}, mean {sum(outputs) / len(rows):.0f};"
          f" longest request {max(r['prompt'] + r['output'] for r in rows)} positions", file=sys.stderr)


if __name__ == "__main__":
    main()
