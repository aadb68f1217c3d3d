"""serve --publish benchmark, run by bench.py: 1000 apps (the corpus with its
kustomizations removed, so each app directory is an app of its own, and the
Canaries' webhooks removed, so nothing is called), every canary initialised.
Every status's lastTransitionTime is then set in the future, so no canary is
due until a round makes one due: each round a person's commit gives one app a
new image and an old lastTransitionTime; the pass that follows decides it and commits. Measured: the median CPU of
that pass with and without `--publish published`, and their ratio; checked:
every --publish commit touches only that app's status file and its files
under published/.
"""
import os
import re
import shutil
import subprocess
import sys
import time


def git(*args, cwd=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def prepared_remote(binary, base, tree):
    remote = os.path.join(base, "publish-remote.git")
    if os.path.isdir(remote):
        return remote
    work = os.path.join(base, "publish-work")
    shutil.copytree(tree, work)
    os.remove(os.path.join(work, "kustomization.yaml"))
    for app in os.listdir(os.path.join(work, "apps")):
        d = os.path.join(work, "apps", app)
        os.remove(os.path.join(d, "kustomization.yaml"))
        canary = os.path.join(d, "canary.yaml")
        with open(canary) as f:
            text = f.read()
        if "    webhooks:\n" in text:
            text = text[:text.index("    webhooks:\n")]
        with open(canary, "w") as f:
            f.write(text)
    git("init", "-q", "--bare", "-b", "main", remote)
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "corpus", cwd=work)
    git("push", "-q", remote, "main", cwd=work)
    start = time.perf_counter()
    subprocess.run([binary, "serve", "--repo", remote, "--cache-dir", os.path.join(base, "publish-init-cache"),
                    "--once", "--all-due", "--readiness", "none"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    print(f"serve --once initialised the 1000 apps in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    # No canary is due until a round makes one due, however long the set-up takes.
    git("pull", "-q", remote, "main", cwd=work)
    for app in os.listdir(os.path.join(work, "apps")):
        status = os.path.join(work, "apps", app, f"{app}.gitcanary-status.yaml")
        with open(status) as f:
            text = f.read()
        text = re.sub(r"lastTransitionTime: .*", 'lastTransitionTime: "2100-01-01T00:00:00Z"', text)
        with open(status, "w") as f:
            f.write(text)
    git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qam", "not due", cwd=work)
    git("push", "-q", remote, "main", cwd=work)
    return remote


def touched(remote, commit):
    out = subprocess.run(["git", "--git-dir", remote, "diff-tree", "--no-commit-id", "--name-only", "-r", commit],
                         check=True, capture_output=True, text=True).stdout
    return out.split()


def publish_benchmarks(binary, publish_bench, base, tree, quick, report):
    remote = prepared_remote(binary, base, tree)
    copies = []
    for name in ("a", "b"):
        copy = os.path.join(base, f"publish-remote-{name}.git")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.rmtree(os.path.join(base, f"publish-cache-{name}"), ignore_errors=True)
        shutil.copytree(remote, copy)
        copies += [copy, os.path.join(base, f"publish-cache-{name}")]
    rounds = 5 if quick else 11
    out = subprocess.run([publish_bench, *copies, str(rounds)], check=True, capture_output=True, text=True).stdout
    figures, only_app = {}, True
    for line in out.splitlines():
        parts = line.split()
        if parts[0] == "commit":
            app = parts[2]
            files = touched(copies[2], parts[1])
            ok = all(f.startswith(f"published/{app}/") or f == f"{app}/{app.split('/')[-1]}.gitcanary-status.yaml"
                     for f in files) and any(f.startswith(f"published/{app}/") for f in files)
            if not ok:
                print(f"publish commit {parts[1]} of {app} touches {files}", file=sys.stderr)
            only_app = only_app and ok
        else:
            figures[parts[0]] = float(parts[1])
    plain, published = figures["pass_cpu_ms"], figures["publish_pass_cpu_ms"]
    print(f"first pass: {figures['first_pass_cpu_ms_plain']:.0f} ms CPU without --publish, "
          f"{figures['first_pass_cpu_ms_publish']:.0f} ms with (publishes all 1000 apps)", file=sys.stderr)
    report.add(f"serve --publish: pass with one canary due over 1000 apps (median CPU; without: {plain:.1f} ms)",
               f"{published:.1f} ms ({published / plain:.2f}x)", "<= 2x", published <= 2 * plain)
    report.add("serve --publish: each commit touches only the due app's status and published files",
               "yes" if only_app else "no", "yes", only_app)


if __name__ == "__main__":
    sys.exit("bench/publish.py is run by bench/bench.py")
