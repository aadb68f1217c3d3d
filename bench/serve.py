"""serve benchmarks, run by bench.py, on a remote holding the 1000-app corpus
with every canary initialised (so none is due):

- one pass over 1000 canaries with nothing due: CPU time (median; target 100 ms)
- commit plus push of one status change to the local bare remote (median; 30 ms)
- RSS of a running `gitcanary serve` with those 1000 canaries (150 MB)

The baseline measured in the same run is `git push` of one commit by git
itself (the CLI), so the commit + push figure also reads as a ratio.
"""
import os
import re
import signal
import subprocess
import sys
import time


def git(*args, cwd=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def prepared_remote(binary, base, tree):
    """A bare remote with `tree` committed and every canary initialised by serve --once --all-due."""
    remote = os.path.join(base, "serve-remote.git")
    if os.path.isdir(remote):
        return remote
    work = os.path.join(base, "serve-work")
    git("init", "-q", "--bare", "-b", "main", remote)
    subprocess.run(["cp", "-r", tree, work], check=True)
    git("init", "-q", "-b", "main", cwd=work)
    git("add", "-A", cwd=work)
    git("-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-qm", "corpus", cwd=work)
    git("push", "-q", remote, "main", cwd=work)
    start = time.perf_counter()
    subprocess.run([binary, "serve", "--repo", remote, "--cache-dir", os.path.join(base, "serve-init-cache"),
                    "--once", "--all-due", "--readiness", "none"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    print(f"serve --once initialised the corpus in {time.perf_counter() - start:.2f} s", file=sys.stderr)
    return remote


def git_push_baseline(base, remote, runs):
    """Median wall seconds of `git commit` + `git push` of one small change by the git CLI."""
    work = os.path.join(base, "serve-baseline")
    if not os.path.isdir(work):
        git("clone", "-q", remote, work)
    git("pull", "-q", "--rebase", "origin", "main", cwd=work)
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    walls = []
    for i in range(runs):
        with open(os.path.join(work, "baseline.yaml"), "w") as f:
            f.write(f"status: {{canaryWeight: {i}}}\n")
        start = time.perf_counter()
        git("add", "baseline.yaml", cwd=work)
        git(*ident, "commit", "-qm", "baseline", cwd=work)
        git("push", "-q", "origin", "HEAD:main", cwd=work)
        walls.append(time.perf_counter() - start)
    walls.sort()
    return walls[len(walls) // 2]


def serve_rss_kb(binary, base, remote):
    """VmHWM of a serve that loaded the catalog and made a few idle passes."""
    proc = subprocess.Popen([binary, "serve", "--repo", remote, "--cache-dir", os.path.join(base, "serve-rss-cache"),
                             "--readiness", "none", "--listen", "off", "--poll", "200ms"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(4)
        with open(f"/proc/{proc.pid}/status") as f:
            status = f.read()
        return int(re.search(r"VmHWM:\s+(\d+)", status).group(1))
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)


def serve_benchmarks(binary, serve_bench, base, tree, quick, report):
    remote = prepared_remote(binary, base, tree)
    out = subprocess.run([serve_bench, remote, os.path.join(base, "serve-bench-cache")], check=True,
                         capture_output=True, text=True).stdout
    figures = dict(line.split() for line in out.splitlines())
    idle, commit_push = float(figures["idle_pass_cpu_ms"]), float(figures["commit_push_ms"])
    report.add(f"serve: idle pass over {figures['canaries']} canaries (median CPU)", f"{idle:.1f} ms", "<= 100 ms",
               idle <= 100)
    baseline = git_push_baseline(base, remote, 5 if quick else 11)
    report.add(f"serve: commit + push one status (git CLI: {baseline * 1000:.0f} ms)",
               f"{commit_push:.1f} ms ({baseline * 1000 / commit_push:.1f}x faster)", "<= 30 ms", commit_push <= 30)
    rss = serve_rss_kb(binary, base, remote)
    report.add("serve: RSS with 1000 canaries", f"{rss / 1024:.0f} MB", "< 150 MB", rss < 150 * 1024)


if __name__ == "__main__":
    sys.exit("bench/serve.py is run by bench/bench.py")
