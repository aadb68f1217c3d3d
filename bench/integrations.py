"""Integration benchmarks, run by bench.py:

- `gitcanary generate` of one example app with Argo CD's environment (median; 5 ms)
- `gitcanary diff` on a repository holding the 1000-app corpus: one app changed
  (20 ms, with the memo of discovery an earlier diff kept; the first diff in a
  clone, without it, is shown beside) and every app changed (2.5 s)
- the same review done the usual way on the 200-app corpus, as a ratio:
  `kubectl kustomize` of the base and of the head checkout plus `diff -u`
  of the two outputs, against one `gitcanary diff` (one app and every app changed)
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def git(*args, cwd=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def bump(tree, apps):
    """Changes the replica count of `apps` (names under apps/)."""
    for app in apps:
        path = os.path.join(tree, "apps", app, "deployment.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("replicas: ", "replicas: 1", 1))


def review_repo(base, tree, name):
    """A git repository of `tree` with branches base, one (one app bumped) and all (every app bumped)."""
    repo = os.path.join(base, name)
    if os.path.isdir(repo):
        return repo
    shutil.copytree(tree, repo)
    # The corpus's umbrella kustomization (kept for `kubectl kustomize` of the whole
    # tree) would make the repository one app that includes every other.
    os.remove(os.path.join(repo, "kustomization.yaml"))
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    git("init", "-q", "-b", "base", cwd=repo)
    git("add", "-A", cwd=repo)
    git(*ident, "commit", "-qm", "corpus", cwd=repo)
    apps = sorted(os.listdir(os.path.join(repo, "apps")))
    for branch, changed in (("one", apps[4:5]), ("all", apps)):
        git("checkout", "-q", "-b", branch, "base", cwd=repo)
        bump(repo, changed)
        git(*ident, "commit", "-qam", branch, cwd=repo)
    git("checkout", "-q", "base", cwd=repo)
    return repo


def checkout(repo, branch, out):
    """The tree of `branch` in a directory of its own (what a kustomize review needs),
    with an umbrella kustomization of every app, so one `kubectl kustomize` builds them all."""
    if not os.path.isdir(out):
        git("worktree", "add", "-q", "--detach", out, branch, cwd=repo)
        apps = sorted(os.listdir(os.path.join(out, "apps")))
        with open(os.path.join(out, "kustomization.yaml"), "w") as f:
            f.write("resources:\n" + "".join(f"- apps/{a}\n" for a in apps))
    return out


def kustomize_review_seconds(repo, head, work, runs, timed):
    """Median of: kustomize the base, kustomize the head, diff -u the outputs."""
    base_dir = checkout(repo, "base", os.path.join(work, "review-base"))
    head_dir = checkout(repo, head, os.path.join(work, f"review-{head}"))
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        outs = []
        for d in (base_dir, head_dir):
            out = os.path.join(work, f"kustomize-{len(outs)}.yaml")
            with open(out, "w") as f:
                subprocess.run(["kubectl", "kustomize", d], stdout=f, check=True)
            outs.append(out)
        subprocess.run(["diff", "-u", *outs], stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
    walls.sort()
    return walls[len(walls) // 2]


def check_diff_report(binary, repo, head, changed):
    """Stops the benchmark unless diff reports exactly the apps `changed` (names
    under apps/) as changed: a timing of a diff that found nothing, or failed
    halfway, measures nothing."""
    proc = subprocess.run([binary, "diff", "--repo", repo, "--base", "base", "--head", head, "--format", "json"],
                          capture_output=True, text=True)
    if proc.returncode != 1:
        sys.exit(f"bench: diff of {head} exited {proc.returncode}, not 1 (changes):\n{proc.stderr}")
    reported = sorted(a["app"] for a in json.loads(proc.stdout)["apps"] if a["changed"] > 0 and not a["errors"])
    expected = sorted(f"apps/{a}" for a in changed)
    if reported != expected:
        sys.exit(f"bench: diff of {head} reported {len(reported)} changed apps, expected {len(expected)}")


def check_review(binary, repo):
    """The heads of review_repo: `one` changes the fifth app, `all` every app."""
    apps = sorted(os.listdir(os.path.join(repo, "apps")))
    check_diff_report(binary, repo, "one", apps[4:5])
    check_diff_report(binary, repo, "all", apps)


def integration_benchmarks(binary, base, corpus, quick, report, timed):
    runs = 11 if quick else 21
    app = os.path.join(ROOT, "examples", "podinfo")
    env = dict(os.environ, ARGOCD_APP_NAME="podinfo", ARGOCD_APP_NAMESPACE="test",
               ARGOCD_APP_REVISION="4f2d8c0e9a1b7d3c5e6f8a9b0c1d2e3f4a5b6c7d", ARGOCD_APP_SOURCE_PATH="podinfo",
               ARGOCD_APP_PARAMETERS='[{"name":"mode","string":"git"}]')
    generate, _ = timed([binary, "generate"], runs, cwd=app, env=env)
    report.add("generate one example app (median wall)", f"{generate * 1000:.1f} ms", "<= 5 ms", generate <= 0.005)

    diff = lambda repo, head: [binary, "diff", "--repo", repo, "--base", "base", "--head", head]
    changes = (1,)  # every head measured changes something: diff exits 1
    repo1000 = review_repo(base, corpus(base, 1000), "review-1000")
    check_review(binary, repo1000)
    # The first diff in a clone walks every manifest of the base; it keeps what
    # it learnt in .git/gitcanary/app-roots-memo, which the later ones read.
    cold = []
    for _ in range(5 if quick else 9):
        shutil.rmtree(os.path.join(repo1000, ".git", "gitcanary"), ignore_errors=True)
        cold.append(timed(diff(repo1000, "one"), 1, ok_codes=changes)[0])
    cold = statistics.median(cold)
    report.add("diff 1000 apps, one changed, first in a clone (no memo yet; median wall)", f"{cold * 1000:.1f} ms", "-",
               True)
    one, _ = timed(diff(repo1000, "one"), runs, ok_codes=changes)
    report.add("diff 1000 apps, one changed (median wall, memo kept)", f"{one * 1000:.1f} ms", "<= 20 ms", one <= 0.020)
    every, _ = timed(diff(repo1000, "all"), 3 if quick else 5, ok_codes=changes)
    report.add("diff 1000 apps, all changed (median wall)", f"{every:.2f} s", "<= 2.5 s", every <= 2.5)

    if shutil.which("kubectl") is None:
        print("bench: kubectl not found; the kustomize review baseline is skipped", file=sys.stderr)
        return
    repo200 = review_repo(base, corpus(base, 200), "review-200")
    check_review(binary, repo200)
    for head in ("one", "all"):
        ours, _ = timed(diff(repo200, head), 5, ok_codes=changes)
        theirs = kustomize_review_seconds(repo200, head, base, 3, timed)
        report.add(f"200 apps, {head} changed: kustomize x2 + diff -u {theirs:.2f} s / diff {ours * 1000:.0f} ms",
                   f"{theirs / ours:.0f}x faster", ">= 1x", theirs >= ours)
