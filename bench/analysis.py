"""Analysis-engine benchmarks, run by bench.py: Step() decisions per second on
one core (bench/step_bench.cc) and `gitcanary simulate` over 10,000 canaries
to completion."""
import os
import subprocess
import sys

STRATEGIES = [
    "    stepWeight: {step}\n    maxWeight: {max}\n",
    "    stepWeights:\n    - 1\n    - 5\n    - 25\n    - 50\n",
    "    iterations: 10\n    match:\n    - headers:\n        x-canary:\n          exact: insider\n",
    "    iterations: 5\n",
    "    stepWeight: {step}\n    maxWeight: {max}\n    mirror: true\n",
]

CANARY = """apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: app-{i:05d}
  namespace: team-{team}
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: app-{i:05d}
  service:
    port: 80
    targetPort: 8080
  analysis:
    interval: 1m
    threshold: {threshold}
{strategy}    webhooks:
    - name: load-test
      type: pre-rollout
      url: http://loadtester.test/
    - name: smoke
      url: http://loadtester.test/smoke
    metrics:
    - name: request-success-rate
      thresholdRange:
        min: 99
    - name: request-duration
      thresholdRange:
        max: 500
"""


def canary_corpus(base, n):
    """n Canary documents of every strategy, 100 to a file, in block style as
    Flagger's docs write them."""
    out = os.path.join(base, f"canaries-{n}")
    if os.path.isdir(out):
        return out
    os.makedirs(out)
    for start in range(0, n, 100):
        docs = []
        for i in range(start, min(n, start + 100)):
            strategy = STRATEGIES[i % len(STRATEGIES)].format(step=5 + i % 20, max=50 + i % 50)
            docs.append(CANARY.format(i=i, team=i % 50, threshold=1 + i % 5, strategy=strategy))
        with open(os.path.join(out, f"canaries-{start:05d}.yaml"), "w") as f:
            f.write("---\n".join(docs))
    return out


def analysis_benchmarks(binary, step_bench, base, quick, report, timed):
    out = subprocess.run([step_bench], check=True, capture_output=True, text=True).stdout
    rate = float(next(l.split()[1] for l in out.splitlines() if l.startswith("decisions_per_second")))
    report.add("Step(): decisions per second, one core", f"{rate / 1e6:.2f} M/s ({rate / 1e6:.1f}x target)",
               ">= 1 M/s", rate >= 1e6)
    tree = canary_corpus(base, 10000)
    wall, _ = timed([binary, "simulate", tree, "-o", "json"], 3 if quick else 7)
    report.add("simulate 10000 canaries to completion", f"{wall * 1000:.0f} ms ({1 / wall:.1f}x target)",
               "< 1000 ms", wall < 1.0)


if __name__ == "__main__":
    sys.exit("bench/analysis.py is run by bench/bench.py")
