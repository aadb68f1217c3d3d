#!/usr/bin/env python3
"""The dashboard's figures over 1000 canaries (README "The dashboard"):

- first load of the overview (/, its script and style, /api/overview) from a
  running `gitcanary serve --listen`: wall time (median; target < 100 ms) and
  bytes in all (target < 500 KB);
- what a live update costs serve per new commit: the CPU of publishing the
  new head's catalog with one changed canary (gitcanary_dashboard_bench,
  median; target < 5 ms);
- for context, serve's CPU per external status commit with a page listening
  on /events, beyond what it spends polling over the same time without
  commits (so the pass that reads the new head's catalog is included), from
  /proc/PID/stat over 10 commits.

The repository is ../shared/bench/gen_corpus.py's 1000-app corpus with every
canary initialised (bench/serve.py's prepared remote).

Usage: bench/dashboard_bench.py [--build DIR] [--keep DIR]
Also run by bench/bench.py --only dashboard.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve  # noqa: E402  (prepared_remote)

GEN = os.path.join(ROOT, "..", "shared", "bench", "gen_corpus.py")
PAGE = ["/", "/assets/dashboard.js", "/assets/dashboard.css", "/api/overview"]


def free_port():
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.status, r.read()


def first_load(base_url, runs):
    """Median wall ms and total bytes of a first load, each request on a new connection."""
    walls, total = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        total = sum(len(get(base_url + p)[1]) for p in PAGE)
        walls.append((time.perf_counter() - start) * 1000)
    walls.sort()
    return walls[len(walls) // 2], total


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def listen_events(url, stop):
    """A page's event stream, read until `stop` is set."""
    try:
        with urllib.request.urlopen(url + "/events", timeout=30) as r:
            while not stop.is_set():
                if not r.readline():
                    return
    except Exception:
        pass


def push_status_commits(base, remote, n, url):
    """Pushes `n` status commits (one canary's weight), waiting for serve's page to show each head."""
    work = os.path.join(base, "dashboard-work")
    if not os.path.isdir(work):
        subprocess.run(["git", "clone", "-q", remote, work], check=True)
    ident = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    for i in range(n):
        subprocess.run(["git", "pull", "-q", "--rebase", "origin", "main"], cwd=work, check=True)
        status = subprocess.run(["git", "ls-files", "*gitcanary-status.yaml"], cwd=work, check=True,
                                capture_output=True, text=True).stdout.split()[0]
        path = os.path.join(work, status)
        text = open(path).read()
        weight = int(re.search(r"canaryWeight: (\d+)", text).group(1)) % 50 + 1
        text = re.sub(r"canaryWeight: \d+", f"canaryWeight: {weight}", text, count=1)
        open(path, "w").write(text)
        subprocess.run(["git", *ident, "commit", "-qam", f"canary bench: weight {weight}"], cwd=work, check=True)
        subprocess.run(["git", "push", "-q", "origin", "HEAD:main"], cwd=work, check=True)
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=work, check=True, capture_output=True,
                              text=True).stdout.strip()
        deadline = time.time() + 30
        while time.time() < deadline and head.encode() not in get(url + "/api/overview")[1][:400]:
            time.sleep(0.05)


def dashboard_benchmarks(binary, dashboard_bench, base, tree, quick, report):
    remote = serve.prepared_remote(binary, base, tree)
    out = subprocess.run([dashboard_bench, remote, os.path.join(base, "dashboard-bench-cache")], check=True,
                         capture_output=True, text=True).stdout
    figures = dict(line.split() for line in out.splitlines())
    update = float(figures["update_cpu_ms"])
    report.add(f"dashboard: live update per commit over {figures['canaries']} canaries (median CPU)",
               f"{update:.2f} ms (first publish {float(figures['publish_cold_cpu_ms']):.1f} ms)", "< 5 ms", update < 5)

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(os.path.join(base, "dashboard-serve.log"), "w")
    proc = subprocess.Popen([binary, "serve", "--repo", remote, "--cache-dir", os.path.join(base, "dashboard-cache"),
                             "--listen", f"127.0.0.1:{port}", "--poll", "200ms", "--readiness", "none"],
                            stdout=subprocess.DEVNULL, stderr=log)
    stop = threading.Event()
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if get(url + "/api/overview")[1].count(b'"id":') >= 1000:
                    break
            except Exception:
                pass
            time.sleep(0.2)
        wall, size = first_load(url, 5 if quick else 21)
        report.add("dashboard: first load from serve, 1000 canaries (median wall)", f"{wall:.1f} ms", "< 100 ms",
                   wall < 100)
        report.add("dashboard: first load, bytes in all", f"{size / 1024:.0f} KB", "< 500 KB", size < 500 * 1024)
        listener = threading.Thread(target=listen_events, args=(url, stop), daemon=True)
        listener.start()
        n = 5 if quick else 10
        push_status_commits(base, remote, 1, url)  # warm
        hz = os.sysconf("SC_CLK_TCK")
        before = cpu_ticks(proc.pid)
        started = time.time()
        push_status_commits(base, remote, n, url)
        time.sleep(0.5)
        spent = (cpu_ticks(proc.pid) - before) * 1000 / hz
        elapsed = time.time() - started
        before = cpu_ticks(proc.pid)
        time.sleep(elapsed)  # as long again with no commit: serve's polls alone
        idle = (cpu_ticks(proc.pid) - before) * 1000 / hz
        report.add(f"dashboard: serve's CPU per external commit beyond its idle polls ({n} commits; the pass "
                   "that reads the new head included; context)", f"{(spent - idle) / n:.0f} ms", "-", True)
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


class Report:
    def __init__(self):
        self.rows, self.failed = [], 0

    def add(self, what, value, target, ok):
        self.rows.append((what, value, target, ok))
        self.failed += 0 if ok else 1

    def print(self):
        for what, value, target, ok in self.rows:
            print(f"{'ok  ' if ok else 'MISS'}  {what}: {value} (target {target})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--keep", help="directory to keep the corpus and remote in (reused across runs)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if not os.path.isfile(GEN):
        sys.exit(f"dashboard_bench: {GEN} not found")
    base = args.keep or tempfile.mkdtemp(prefix="gitcanary-dashboard-bench-")
    os.makedirs(base, exist_ok=True)
    tree = os.path.join(base, "corpus-1000")
    if not os.path.isdir(tree):
        subprocess.run([sys.executable, GEN, tree, "1000", "--canary"], check=True, stdout=subprocess.DEVNULL)
    build = os.path.abspath(args.build)
    report = Report()
    try:
        dashboard_benchmarks(os.path.join(build, "gitcanary"), os.path.join(build, "gitcanary_dashboard_bench"), base,
                             tree, args.quick, report)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    report.print()
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
