"""Kustomize app benchmarks, run by bench.py:

- `gitcanary render` of one overlay against `kubectl kustomize` of the same
  overlay, medians measured in turns: render may cost at most the build + 5 ms
- serve's catalog over N overlays (bench/catalog_bench.cc): the cold read that
  builds every app, then the median CPU of a read with the build cache warm,
  which is what a pass pays at a new head whose apps' inputs are unchanged
  (<= 100 ms for 1000 apps)
- `gitcanary diff` on a 200-overlay repository with one app changed, against
  that app's two kustomize builds (base and head): at most their sum + 30 ms

The repository is the gen_corpus.py corpus reshaped into overlays: each app's
files become apps/NAME/base, and apps/NAME/prod is an overlay that sets the
image tag, so every app needs a real kustomize build.
"""
import os
import re
import shutil
import statistics
import subprocess

from integrations import git


def overlay_repo(base, corpus_tree, name):
    """A git repository of the corpus with every app turned into base + prod overlay."""
    repo = os.path.join(base, name)
    if os.path.isdir(repo):
        return repo
    shutil.copytree(corpus_tree, repo)
    os.remove(os.path.join(repo, "kustomization.yaml"))  # the umbrella would make the whole tree one app
    apps = os.path.join(repo, "apps")
    for app in sorted(os.listdir(apps)):
        d = os.path.join(apps, app)
        files = os.listdir(d)
        os.makedirs(os.path.join(d, "base"))
        for f in files:
            os.rename(os.path.join(d, f), os.path.join(d, "base", f))
        os.makedirs(os.path.join(d, "prod"))
        with open(os.path.join(d, "base", "deployment.yaml")) as f:
            image = re.search(r"image: ([^:\s]+):", f.read()).group(1)
        with open(os.path.join(d, "prod", "kustomization.yaml"), "w") as f:
            f.write(f"resources:\n- ../base\nimages:\n- name: {image}\n  newTag: 6.9.9\n"
                    "commonAnnotations:\n  team: storefront\n")
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    git("init", "-q", "-b", "base", cwd=repo)
    git("add", "-A", cwd=repo)
    git(*ident, "commit", "-qm", "overlays", cwd=repo)
    first = sorted(os.listdir(apps))[4]
    git("checkout", "-q", "-b", "one", "base", cwd=repo)
    path = os.path.join(apps, first, "prod", "kustomization.yaml")
    with open(path) as f:
        text = f.read()
    with open(path, "w") as f:
        f.write(text.replace("6.9.9", "7.0.0"))
    git(*ident, "commit", "-qam", "one", cwd=repo)
    git("checkout", "-q", "base", cwd=repo)
    git("gc", "-q", cwd=repo)  # packed, as the clone serve keeps is
    return repo


def kustomize_benchmarks(binary, catalog_bench, base, corpus, quick, report, timed, timed_in_turns):
    runs = 11 if quick else 21
    n_serve = 200 if quick else 1000
    small = overlay_repo(base, corpus(base, 200), "overlays-200")
    app = os.path.join(small, "apps", sorted(os.listdir(os.path.join(small, "apps")))[4], "prod")

    ours, theirs = timed_in_turns([[binary, "render", app], ["kubectl", "kustomize", app]], runs)
    extra = (ours - theirs) * 1000
    report.add(f"render one overlay {ours * 1000:.0f} ms / kubectl kustomize {theirs * 1000:.0f} ms",
               f"+{extra:.1f} ms", "<= build + 5 ms", extra <= 5)

    big = small if n_serve == 200 else overlay_repo(base, corpus(base, n_serve), f"overlays-{n_serve}")
    out = subprocess.run([catalog_bench, big], check=True, capture_output=True, text=True).stdout
    figures = dict(line.split() for line in out.splitlines())
    report.add(f"serve catalog, {figures['canaries']} overlays: cold read ({figures['builds']} builds)",
               f"{float(figures['cold_ms']) / 1000:.1f} s", "(once)", True)
    warm = float(figures["warm_cpu_ms"])
    report.add(f"serve catalog, {figures['canaries']} overlays, build cache warm: CPU per read "
               f"({figures['warm_builds']} builds)", f"{warm:.1f} ms", "<= 100 ms",
               warm <= 100 and figures["warm_builds"] == "0")

    diff_runs = 5 if quick else 11
    one, _ = timed([binary, "diff", "--repo", small, "--base", "base", "--head", "one", "--format", "json"],
                   diff_runs, ok_codes=(1,))
    builds = []
    work = os.path.join(base, "overlays-200-checkouts")
    for branch in ("base", "one"):
        out = os.path.join(work, branch)
        if not os.path.isdir(out):
            git("worktree", "add", "-q", "--detach", out, branch, cwd=small)
        builds.append(timed(["kubectl", "kustomize", os.path.join(out, os.path.relpath(app, small))], diff_runs)[0])
    budget = sum(builds)
    report.add(f"diff 200 overlays, one changed {one * 1000:.0f} ms / its two builds {budget * 1000:.0f} ms",
               f"+{(one - budget) * 1000:.0f} ms", "<= builds + 30 ms", one - budget <= 0.030)
