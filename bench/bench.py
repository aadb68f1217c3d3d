#!/usr/bin/env python3
"""gitcanary benchmarks: medians and ratios against a baseline run on the same tree.

Generates synthetic GitOps repos with ../shared/bench/gen_corpus.py and times
`gitcanary render` against /bin/true (the floor: starting a process) and against
`kubectl kustomize` of the same tree, with the page faults and system calls per
file of each (bench/process_costs.py), git mode
against flagger mode, HelmRelease canaries against Deployment canaries, the analysis engine (bench/analysis.py), serve
(bench/serve.py), generate and diff (bench/integrations.py), and kustomize
apps built before render (bench/kustomize.py). The machines
are noisy, so every figure is a median of several runs and the verdicts use
ratios measured in the same run.

Usage: bench/bench.py [--quick] [--binary build/gitcanary] [--keep DIR] [--only GROUP]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import analysis
import process_costs
import integrations
import kustomize
import publish
import serve
import dashboard_bench

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
GEN = os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py")


def timed(cmd, runs, cwd=None, env=None, ok_codes=(0,)):
    """Median wall seconds and max peak RSS (KB) of `runs` runs of cmd."""
    walls, peak = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        walls.append(time.perf_counter() - start)
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if os.waitstatus_to_exitcode(status) not in ok_codes:
            sys.exit(f"bench: {' '.join(cmd)} failed:\n{err}")
        peak = max(peak, usage.ru_maxrss)
    return statistics.median(walls), peak


def timed_in_turns(cmds, runs):
    """Median wall seconds of each command over `runs` rounds that run every command once, in turn.

    A ratio of two commands is read from these: drift in machine speed during the
    measurement then slows both alike instead of whichever happened to run last.
    """
    walls = [[] for _ in cmds]
    for _ in range(runs):
        for cmd, w in zip(cmds, walls):
            w.append(timed(cmd, 1)[0])
    return [statistics.median(w) for w in walls]


def corpus(base, n):
    out = os.path.join(base, f"corpus-{n}")
    if not os.path.isdir(out):
        subprocess.run([sys.executable, GEN, out, str(n), "--canary"], check=True)
    return out


class Report:
    def __init__(self):
        self.rows, self.failed = [], 0

    def add(self, name, value, target, ok):
        self.rows.append((name, value, target, "ok" if ok else "MISSED"))
        self.failed += 0 if ok else 1

    def print(self):
        width = max(len(r[0]) for r in self.rows)
        value_width = max(22, max(len(r[1]) for r in self.rows))
        print(f"\n{'benchmark'.ljust(width)}  {'measured':>{value_width}}  {'target':>14}  verdict")
        for name, value, target, verdict in self.rows:
            print(f"{name.ljust(width)}  {value:>{value_width}}  {target:>14}  {verdict}")


def render_benchmarks(binary, base, quick, report):
    """Render against the machine's floor (/bin/true) and against `kubectl kustomize`, each pair in turns."""
    render = lambda d: [binary, "render", "--mode", "flagger", d]
    kustomize = lambda d: ["kubectl", "kustomize", d]
    runs = 3 if quick else 7
    c200, c1000, c2000 = corpus(base, 200), corpus(base, 1000), corpus(base, 2000)
    app = os.path.join(c1000, "apps", "app-00001")
    have_kubectl = shutil.which("kubectl") is not None

    floor, one = timed_in_turns([["/bin/true"], render(app)], 41)
    report.add("floor: /bin/true (median wall, in turns with the next row)", f"{floor * 1000:.2f} ms", "-", True)
    report.add("render one app (median wall)", f"{one * 1000:.2f} ms", "<= 4 ms", one <= 0.004)
    bound = 1.5 * floor + 0.001
    report.add(f"render one app against the floor: <= 1.5 x {floor * 1000:.2f} + 1 ms = {bound * 1000:.2f} ms",
               f"{one / floor:.2f}x /bin/true", "<= 1.5x + 1 ms", one <= bound)
    if have_kubectl:
        ours, theirs = timed_in_turns([render(app), kustomize(app)], 11)
        report.add(f"one app: kustomize {theirs * 1000:.0f} ms / render {ours * 1000:.2f} ms (in turns)",
                   f"{theirs / ours:.1f}x faster", ">= 25x", theirs / ours >= 25)
        ours, theirs = timed_in_turns([render(c200), kustomize(c200)], runs)
        report.add(f"200 apps: kustomize {theirs:.2f} s / render {ours * 1000:.1f} ms (in turns)",
                   f"{theirs / ours:.0f}x faster", ">= 100x", theirs / ours >= 100)

    t1000, rss1000 = timed(render(c1000), runs)
    report.add("render 1000 apps (median wall)", f"{t1000 * 1000:.0f} ms", "<= 100 ms", t1000 <= 0.100)
    report.add("render 1000 apps (peak RSS)", f"{rss1000 / 1024:.0f} MB", "<= 200 MB", rss1000 <= 200 * 1024)
    t2000, _ = timed(render(c2000), runs)
    report.add("scaling: 2000 apps / 1000 apps", f"{t2000 / t1000:.2f}x", "<= 2.2x", t2000 / t1000 <= 2.2)

    # What each costs the kernel: page faults and system calls per file read.
    for name, tree in (("one app", app), ("200 apps", c200), ("1000 apps", c1000)):
        files = process_costs.regular_files(tree)
        report.add(f"{name}, render ({files} files)", process_costs.describe(render(tree), files), "-", True)
        if have_kubectl and tree != c1000:
            report.add(f"{name}, kubectl kustomize ({files} files)", process_costs.describe(kustomize(tree), files),
                       "-", True)
    report.add("floor: /bin/true", process_costs.describe(["/bin/true"]), "-", True)


def with_status(base, n):
    """A copy of the n-app corpus with a CanaryStatus (Progressing at 20, promoted snapshot) per app."""
    out = os.path.join(base, f"corpus-{n}-status")
    if os.path.isdir(out):
        return out
    shutil.copytree(corpus(base, n), out)
    for app in sorted(os.listdir(os.path.join(out, "apps"))):
        d = os.path.join(out, "apps", app)
        with open(os.path.join(d, "deployment.yaml")) as f:
            lines = f.read().splitlines()
        ns = next(l.split(":", 1)[1].strip() for l in lines if l.startswith("  namespace:"))
        start = lines.index("  template:") + 1
        template = "".join("  " + l + "\n" for l in lines[start:])
        with open(os.path.join(d, f"{app}.gitcanary-status.yaml"), "w") as f:
            f.write(f"apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: {app}\n"
                    f"  namespace: {ns}\nstatus:\n  phase: Progressing\n  canaryWeight: 20\n"
                    f"  promoted:\n    template:\n{template}")
    return out


# What each provider needs in spec.service (Istio's gateways and hosts are Istio's alone).
PROVIDER_SERVICE = {
    "linkerd": "",
    "gatewayapi:v1": "    gatewayRefs:\n    - {name: public, namespace: gateway-system}\n",
    "nginx": "",
}


def with_providers(base, n):
    """The n-app corpus with status, its Canaries spread over istio, linkerd, gatewayapi:v1 and nginx in turn."""
    out = os.path.join(base, f"corpus-{n}-providers")
    if os.path.isdir(out):
        return out
    shutil.copytree(with_status(base, n), out)
    providers = ["istio", "linkerd", "gatewayapi:v1", "nginx"]
    for i, app in enumerate(sorted(os.listdir(os.path.join(out, "apps")))):
        provider = providers[i % len(providers)]
        if provider == "istio":
            continue
        path = os.path.join(out, "apps", app, "canary.yaml")
        with open(path) as f:
            lines = f.read().splitlines(keepends=True)
        kept, in_istio_list = [], False
        for line in lines:
            if line in ("    gateways:\n", "    hosts:\n"):
                in_istio_list = True
                continue
            if in_istio_list and line.startswith("    - "):
                continue
            in_istio_list = False
            kept.append(line)
        text = "".join(kept).replace("spec:\n", f"spec:\n  provider: {provider}\n", 1)
        text = text.replace("  service:\n", "  service:\n" + PROVIDER_SERVICE[provider], 1)
        if provider == "nginx":
            ref = f"  ingressRef:\n    apiVersion: networking.k8s.io/v1\n    kind: Ingress\n    name: {app}\n"
            text = text.replace("  service:\n", ref + "  service:\n", 1)
        with open(path, "w") as f:
            f.write(text)
    return out


HELM_RELEASE = """apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: {app}
  namespace: {ns}
spec:
  interval: 5m
  chart:
    spec:
      chart: app
      version: {version}
      sourceRef: {{kind: HelmRepository, name: charts, namespace: flux-system}}
  install: {{remediation: {{retries: 3}}}}
  upgrade: {{remediation: {{retries: 3}}}}
  valuesFrom:
  - {{kind: ConfigMap, name: {app}-env, valuesKey: FEATURE_X, targetPath: featureX}}
  values:
    image: {{repository: registry.example.com/{ns}/{app}, tag: {version}}}
    service: {{enabled: false}}
    ports: {{http: 8080, metrics: 9797}}
    env: {{LOG_LEVEL: info, APP_NAME: {app}, CONFIG_PATH: /etc/{app}/config.yaml}}
    resources:
      limits: {{cpu: "2", memory: 512Mi}}
      requests: {{cpu: 100m, memory: 128Mi}}
    autoscaling: {{enabled: true, minReplicas: 2, maxReplicas: 5}}
"""


def with_helm_releases(base, n):
    """The n-app status corpus with every Deployment replaced by a HelmRelease of a chart that renders it.

    The chart's own Service is off (no service.yaml), and each status holds the
    promoted chart and values instead of a pod template.
    """
    out = os.path.join(base, f"corpus-{n}-helmrelease")
    if os.path.isdir(out):
        return out
    shutil.copytree(corpus(base, n), out)
    for app in sorted(os.listdir(os.path.join(out, "apps"))):
        d = os.path.join(out, "apps", app)
        with open(os.path.join(d, "deployment.yaml")) as f:
            ns = next(l.split(":", 1)[1].strip() for l in f.read().splitlines() if l.startswith("  namespace:"))
        release = HELM_RELEASE.format(app=app, ns=ns, version="1.1.0")
        with open(os.path.join(d, "deployment.yaml"), "w") as f:
            f.write(release)
        os.remove(os.path.join(d, "service.yaml"))
        with open(os.path.join(d, "canary.yaml")) as f:
            canary = f.read().replace(f"  namespace: {ns}\n",
                                      f"  namespace: {ns}\n  annotations: {{gitcanary.io/helmrelease: {app}}}\n", 1)
        with open(os.path.join(d, "canary.yaml"), "w") as f:
            f.write(canary)
        with open(os.path.join(d, "kustomization.yaml")) as f:
            kustomization = f.read().replace("- service.yaml\n", "")
        with open(os.path.join(d, "kustomization.yaml"), "w") as f:
            f.write(kustomization)
        promoted = HELM_RELEASE.format(app=app, ns=ns, version="1.0.0")
        spec = promoted[promoted.index("spec:\n") + 6:]
        chart = spec[spec.index("  chart:\n") + 9:spec.index("  install:")]
        values = spec[spec.index("  values:\n") + 10:]
        indent = lambda text, by: "".join(" " * by + l + "\n" for l in text.splitlines())
        with open(os.path.join(d, f"{app}.gitcanary-status.yaml"), "w") as f:
            f.write(f"apiVersion: gitcanary.io/v1alpha1\nkind: CanaryStatus\nmetadata:\n  name: {app}\n"
                    f"  namespace: {ns}\nstatus:\n  phase: Progressing\n  canaryWeight: 20\n"
                    f"  promoted:\n    helmRelease:\n      chart:\n{indent(chart, 4)}      values:\n{indent(values, 4)}")
    return out


def helm_release_benchmarks(binary, base, quick, report):
    runs = 5 if quick else 11
    plain, helm = timed_in_turns([[binary, "render", "--mode", "git", tree]
                                  for tree in (with_status(base, 1000), with_helm_releases(base, 1000))], runs)
    report.add(f"git mode 1000 HelmRelease canaries: {helm * 1000:.0f} ms / Deployment canaries {plain * 1000:.0f} ms",
               f"{helm / plain:.2f}x", "<= 2x", helm / plain <= 2.0)


def git_mode_benchmarks(binary, base, quick, report):
    runs = 5 if quick else 11
    tree = with_status(base, 1000)
    flagger, git = timed_in_turns([[binary, "render", "--mode", mode, tree] for mode in ("flagger", "git")], runs)
    report.add(f"git mode 1000 apps with status: {git * 1000:.0f} ms / flagger {flagger * 1000:.0f} ms",
               f"{git / flagger:.2f}x", "<= 1.3x", git / flagger <= 1.3)
    mixed = with_providers(base, 1000)
    flagger, git = timed_in_turns([[binary, "render", "--mode", mode, mixed] for mode in ("flagger", "git")], runs)
    report.add(f"git mode 1000 apps, 4 providers mixed: {git * 1000:.0f} ms / flagger {flagger * 1000:.0f} ms",
               f"{git / flagger:.2f}x", "<= 1.3x", git / flagger <= 1.3)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", default=os.path.join(ROOT, "build", "gitcanary"))
    parser.add_argument("--quick", action="store_true", help="fewer runs per figure")
    parser.add_argument("--keep", help="directory to keep generated corpora in (reused across runs)")
    parser.add_argument("--only", choices=["render", "git-mode", "helmrelease", "analysis", "serve", "publish",
                                           "integrations", "kustomize", "dashboard"],
                        help="run one group of benchmarks")
    args = parser.parse_args()
    if not os.path.isfile(GEN):
        sys.exit(f"bench: {GEN} not found; the benchmarks need ../shared/bench/gen_corpus.py")
    base = args.keep or tempfile.mkdtemp(prefix="gitcanary-bench-")
    os.makedirs(base, exist_ok=True)
    report = Report()
    binary = os.path.abspath(args.binary)
    build = os.path.dirname(binary)
    groups = {
        "render": lambda: render_benchmarks(binary, base, args.quick, report),
        "git-mode": lambda: git_mode_benchmarks(binary, base, args.quick, report),
        "helmrelease": lambda: helm_release_benchmarks(binary, base, args.quick, report),
        "analysis": lambda: analysis.analysis_benchmarks(binary, os.path.join(build, "gitcanary_step_bench"), base,
                                                         args.quick, report, timed),
        "serve": lambda: serve.serve_benchmarks(binary, os.path.join(build, "gitcanary_serve_bench"), base,
                                                corpus(base, 1000), args.quick, report),
        "publish": lambda: publish.publish_benchmarks(binary, os.path.join(build, "gitcanary_publish_bench"), base,
                                                      corpus(base, 1000), args.quick, report),
        "integrations": lambda: integrations.integration_benchmarks(binary, base, corpus, args.quick, report, timed),
        "kustomize": lambda: kustomize.kustomize_benchmarks(binary, os.path.join(build, "gitcanary_catalog_bench"), base,
                                                            corpus, args.quick, report, timed, timed_in_turns),
        "dashboard": lambda: dashboard_bench.dashboard_benchmarks(binary, os.path.join(build, "gitcanary_dashboard_bench"),
                                                                  base, corpus(base, 1000), args.quick, report),
    }
    try:
        for name, run in groups.items():
            if args.only in (None, name):
                run()
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    report.print()
    print(f"\n{len(report.rows) - report.failed} of {len(report.rows)} targets met")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
