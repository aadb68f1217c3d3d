"""Growth of one running `gitcanary serve` over time: RSS, open file
descriptors, the cache's pack count and bytes, and the remote's size.

One serve, N canaries at a 1 s interval (each with a request-success-rate
check against a stand-in Prometheus on 127.0.0.1 that always answers 100),
a 2 s lease TTL, and a person pushing a new release of one canary every few
seconds, round robin, so canaries keep cycling through releases. Everything
runs on 127.0.0.1 and in a temporary directory.

    python3 bench/serve_growth.py [--binary build/gitcanary] [--seconds 120]
        [--canaries 20] [--push-every 4] [--sample-every 10] [--keep DIR]

Prints one line per sample and a summary (first and last sample, rates).
"""
import argparse
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def git(*args, cwd=None):
    subprocess.run(["git", *args], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def canary_app(name, tag):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: test
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
        - name: app
          image: ghcr.io/example/{name}:{tag}
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: {name}
  namespace: test
spec:
  targetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  service:
    port: 9898
  analysis:
    interval: 1s
    threshold: 2
    maxWeight: 30
    stepWeight: 10
    metrics:
      - name: request-success-rate
        thresholdRange: {{min: 99}}
        interval: 1m
"""


class Prometheus(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {}, "value": [time.time(), "100"]}]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dir_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except FileNotFoundError:
                pass
    return total


def sample(pid, cache):
    rss_kb = anon_kb = file_kb = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
            elif line.startswith("RssAnon:"):
                anon_kb = int(line.split()[1])
            elif line.startswith("RssFile:"):
                file_kb = int(line.split()[1])
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    pack_dir = os.path.join(cache, "objects", "pack")
    packs = len([p for p in os.listdir(pack_dir) if p.endswith(".pack")]) if os.path.isdir(pack_dir) else 0
    loose = 0
    objects = os.path.join(cache, "objects")
    for d in os.listdir(objects) if os.path.isdir(objects) else []:
        if len(d) == 2:
            loose += len(os.listdir(os.path.join(objects, d)))
    return {"rss_mb": rss_kb / 1024, "anon_mb": anon_kb / 1024, "file_mb": file_kb / 1024, "fds": fds, "packs": packs, "loose": loose, "cache_mb": dir_bytes(cache) / 2**20}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "build", "gitcanary"))
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--canaries", type=int, default=20)
    ap.add_argument("--push-every", type=float, default=4)
    ap.add_argument("--sample-every", type=float, default=10)
    ap.add_argument("--keep", default="")
    ap.add_argument("--extra", default="", help="extra serve flags, space-separated")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # still stop serve (finally below)

    base = args.keep or tempfile.mkdtemp(prefix="serve-growth-")
    os.makedirs(base, exist_ok=True)
    remote, work, cache = (os.path.join(base, n) for n in ("remote.git", "work", "cache"))
    git("init", "-q", "--bare", "-b", "main", remote)
    git("clone", "-q", remote, work)
    git("config", "user.name", "Person", cwd=work)
    git("config", "user.email", "person@example.com", cwd=work)
    names = [f"app{i:02d}" for i in range(args.canaries)]
    for n in names:
        os.makedirs(os.path.join(work, "apps", n), exist_ok=True)
        with open(os.path.join(work, "apps", n, "app.yaml"), "w") as f:
            f.write(canary_app(n, "1.0.0"))
    git("add", "-A", cwd=work)
    git("commit", "-qm", "apps", cwd=work)
    git("push", "-q", "origin", "HEAD:main", cwd=work)

    prom = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Prometheus)
    threading.Thread(target=prom.serve_forever, daemon=True).start()
    log = open(os.path.join(base, "serve.log"), "w")
    cmd = [args.binary, "serve", "--repo", remote, "--cache-dir", cache, "--min-interval", "1s", "--poll", "1s",
           "--readiness", "none", "--lease-ttl", "2s", "--replica-id", "r0",
           "--listen", f"127.0.0.1:{free_port()}", "--prometheus", f"http://127.0.0.1:{prom.server_port}"]
    cmd += args.extra.split()
    serve = subprocess.Popen(cmd, stdout=log, stderr=log)
    samples = []
    try:
        start = time.monotonic()
        time.sleep(2)
        next_push, next_sample, release = start + args.push_every, start + 2, 0
        while time.monotonic() - start < args.seconds:
            now = time.monotonic()
            if serve.poll() is not None:
                sys.exit(f"serve exited with {serve.returncode}; log in {base}/serve.log")
            if now >= next_sample:
                s = sample(serve.pid, cache)
                s["t"] = round(now - start)
                samples.append(s)
                print(f"t={s['t']:4d}s rss={s['rss_mb']:.1f}MB (anon {s['anon_mb']:.1f}, file {s['file_mb']:.1f}) fds={s['fds']} packs={s['packs']} "
                      f"loose={s['loose']} cache={s['cache_mb']:.2f}MB", flush=True)
                next_sample += args.sample_every
            if now >= next_push:
                n = names[release % len(names)]
                release += 1
                with open(os.path.join(work, "apps", n, "app.yaml"), "w") as f:
                    f.write(canary_app(n, f"1.0.{release}"))
                subprocess.run(f"cd {work} && git commit -qam 'release {n}' && "
                               "for i in 1 2 3 4 5; do git pull -q --rebase origin main; git push -q origin HEAD:main && exit 0; "
                               "done", shell=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
                next_push += args.push_every
            time.sleep(0.2)
        s = sample(serve.pid, cache)
        s["t"] = round(time.monotonic() - start)
        samples.append(s)
    finally:
        serve.terminate()
        serve.wait(timeout=10)
        prom.shutdown()
    first, last = samples[0], samples[-1]
    third = max(1, len(samples) // 3)

    def median(values):
        values = sorted(values)
        return values[len(values) // 2]
    commits = subprocess.run(["git", "--git-dir", remote, "rev-list", "--count", "main"], capture_output=True,
                             text=True).stdout.strip()
    notes = subprocess.run(["git", "--git-dir", remote, "rev-list", "--count", "refs/notes/gitcanary"],
                           capture_output=True, text=True).stdout.strip()
    print(f"summary over {last['t']} s: rss {first['rss_mb']:.1f} -> {last['rss_mb']:.1f} MB (max "
          f"{max(s['rss_mb'] for s in samples):.1f}), fds {first['fds']} -> {last['fds']} (max "
          f"{max(s['fds'] for s in samples)}), packs {first['packs']} -> {last['packs']} (max "
          f"{max(s['packs'] for s in samples)}), cache {first['cache_mb']:.2f} -> {last['cache_mb']:.2f} MB, "
          f"main {commits} commits, notes {notes or 0} commits, remote {dir_bytes(remote) / 2**20:.2f} MB")
    print(f"medians, first third -> last third: rss {median([s['rss_mb'] for s in samples[:third]]):.1f} -> "
          f"{median([s['rss_mb'] for s in samples[-third:]]):.1f} MB, fds {median([s['fds'] for s in samples[:third]])} -> "
          f"{median([s['fds'] for s in samples[-third:]])}, packs {median([s['packs'] for s in samples[:third]])} -> "
          f"{median([s['packs'] for s in samples[-third:]])}")
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
