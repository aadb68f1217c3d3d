#!/usr/bin/env python3
"""Soak test of `gitcanary serve`: 3 replicas, a 1 s lease, 20 canaries cycling
through healthy and broken releases, a random kill -9 every few hundred passes.
See tests/soak/README.md for the picture and tests/soak/run.sh for how to run it.

Usage: soak.py --binary build/gitcanary-serve --out DIR [--form short|long] [--seed N]
Exit 0 when every assertion holds, 1 when one fails (each failure is printed
with its figures), 2 when the run itself could not be carried out.
"""
import argparse
import csv
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from driver import Driver  # noqa: E402
from replicas import Replicas, dir_bytes  # noqa: E402
from standins import Prometheus, WebhookRecorder  # noqa: E402
import checks  # noqa: E402
import history  # noqa: E402

FORMS = {
    # passes, decisions and kills to reach, the longest the releasing phase
    # may last, passes between two kills, the flatness windows, and the
    # longest the whole run may take (seconds).
    "long": dict(passes=10000, decisions=1000, min_kills=10, max_main_s=780, kill_every=(500, 900),
                 warmup_s=45, window_s=30, idle_s=20, settle_s=45, sample_s=1.0, remote_sample_s=3.0,
                 max_wall_s=900),
    "short": dict(passes=1500, decisions=150, min_kills=2, max_main_s=150, kill_every=(350, 550),
                  warmup_s=20, window_s=15, idle_s=8, settle_s=40, sample_s=1.0, remote_sample_s=2.0,
                  max_wall_s=240,
                  # Lives of about a minute, whose caches are still filling
                  # after the warm-up: the short form is a smoke test of the
                  # bound; the long form holds the 10%.
                  flat_tolerance=0.20),
}
CANARIES = [f"c{i:02d}" for i in range(20)]
REPLICAS = 3
LEASE_TTL, POLL, MIN_INTERVAL = "1s", "25ms", "1s"
BROKEN_SHARE = 0.3


class Stop(Exception):
    pass


class DriverThread(threading.Thread):
    """Runs the driver's ticks every half second, apart from the sampling."""

    def __init__(self, driver, events, t0):
        super().__init__(daemon=True)
        self.driver, self.events, self.t0 = driver, events, t0
        self.releasing = True
        self.stopping = threading.Event()
        self.error = None

    def run(self):
        try:
            while not self.stopping.is_set():
                started = time.time()
                retries = self.driver.push_retries
                pushed = self.driver.tick(self.releasing)
                if pushed:
                    self.events.row({"t": round(started - self.t0, 2), "event": "release",
                                     "detail": f"{pushed} canaries; push took {time.time() - started:.2f} s, "
                                               f"{self.driver.push_retries - retries} lost races"})
                self.stopping.wait(0.5)
        except Exception as e:  # reported by the main loop
            self.error = e


def on_signal(signum, _frame):
    raise Stop(f"signal {signum}")


class Csv:
    def __init__(self, path, fields):
        self.f = open(path, "w", newline="")
        self.w = csv.DictWriter(self.f, fieldnames=fields)
        self.w.writeheader()

    def row(self, r):
        self.w.writerow(r)
        self.f.flush()


def remote_sample(remote, now):
    counts = {}
    out = history.git_ok(remote, "count-objects", "-v") or ""
    for line in out.splitlines():
        k, _, v = line.partition(":")
        counts[k.strip()] = int(v.strip()) if v.strip().isdigit() else 0
    lease = len(history.ref_objects(remote, "refs/gitcanary/lease"))
    notes = (history.git_ok(remote, "rev-list", "--count", "refs/notes/gitcanary") or "0").strip()
    commits = (history.git_ok(remote, "rev-list", "--count", "main") or "0").strip()
    return {"t": round(now, 2), "disk_bytes": dir_bytes(remote)[0], "loose_objects": counts.get("count", 0),
            "loose_kib": counts.get("size", 0), "packed_objects": counts.get("in-pack", 0),
            "packs": counts.get("packs", 0), "pack_kib": counts.get("size-pack", 0), "lease_objects": lease,
            "branch_commits": int(commits or 0), "notes_commits": int(notes or 0)}


class LogCounter:
    """Counts "status committed" lines in every life's log as they grow."""

    def __init__(self):
        self.offsets, self.count = {}, 0

    def update(self, lives):
        for life in lives:
            try:
                with open(life.log_path, "rb") as f:
                    f.seek(self.offsets.get(life.log_path, 0))
                    data = f.read()
            except OSError:
                continue
            cut = data.rfind(b"\n") + 1
            self.offsets[life.log_path] = self.offsets.get(life.log_path, 0) + cut
            self.count += data[:cut].count(b'"msg":"status committed"')
        return self.count


def run(args):
    started = time.time()
    form = FORMS[args.form]
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    base = tempfile.mkdtemp(prefix="gitcanary-soak-")
    rng = random.Random(args.seed)
    print(f"soak ({args.form}): seed {args.seed}, work dir {base}, artifacts {out}", flush=True)
    prometheus = Prometheus()
    replicas = Replicas(os.path.abspath(args.binary), os.path.join(base, "remote.git"), base, LEASE_TTL, args.poll,
                        MIN_INTERVAL)
    hooks = WebhookRecorder(os.path.join(out, "webhooks.jsonl"), replicas.pids, replicas.remote)
    driver = Driver(base, CANARIES, prometheus, hooks.url, rng, BROKEN_SHARE)
    events = Csv(os.path.join(out, "events.csv"), ["t", "event", "detail"])
    rep_csv = Csv(os.path.join(out, "replicas.csv"), ["t", "life", "pid", "rss_kb", "rss_anon_kb", "rss_file_kb", "fds", "fds_into_remote", "cache_bytes",
                                                      "cache_packs", "cache_loose", "lease_cache_bytes",
                                                      "lease_cache_packs", "lease_cache_loose", "passes",
                                                      "lease_held"])
    rem_csv = Csv(os.path.join(out, "remote.csv"), ["t", "disk_bytes", "loose_objects", "loose_kib",
                                                    "packed_objects", "packs", "pack_kib", "lease_objects",
                                                    "branch_commits", "notes_commits"])
    t0 = time.time()
    figures = {"form": args.form, "seed": args.seed}
    try:
        driver.setup()
        for slot in range(REPLICAS):
            replicas.start(slot)
        events.row({"t": round(time.time() - t0, 2), "event": "start", "detail": f"{REPLICAS} replicas"})
        logs = LogCounter()
        remote_rows = []
        next_sample = next_remote = time.time()
        driving = DriverThread(driver, events, t0)
        driving.start()
        next_kill = rng.randint(*form["kill_every"])
        kills = 0
        main_end = t0 + form["max_main_s"]
        phase = "releasing"
        phase_started = time.time()
        idle = {}
        while True:
            now = time.time()
            if now >= next_sample:
                for r in replicas.sample(now - t0):
                    rep_csv.row(r)
                next_sample = now + form["sample_s"]
                decisions = logs.update(replicas.lives)
                passes = replicas.passes()
                for slot, life in replicas.current.items():
                    if not life.alive() and not life.killed:
                        raise RuntimeError(f"{life.id} exited by itself: see {life.log_path}")
            if now >= next_remote:
                row = remote_sample(replicas.remote, now - t0)
                rem_csv.row(row)
                remote_rows.append(row)
                next_remote = now + form["remote_sample_s"]
            if driving.error:
                raise RuntimeError(f"the driver failed: {driving.error}")
            if now - t0 > 60 and all(s == "new" for s in driver.state.values()):
                raise RuntimeError(f"no canary was initialised within 60 s: see the logs in {out}/logs")
            if phase == "releasing" and passes >= next_kill:
                holder = replicas.holder()
                live = [l for l in replicas.current.values() if l.alive()]
                victim = holder if holder and rng.random() < 0.5 else rng.choice(live)
                replicas.kill9(victim)
                kills += 1
                events.row({"t": round(time.time() - t0, 2), "event": "kill -9",
                            "detail": f"{victim.id} pid {victim.pid}{' (lease holder)' if victim is holder else ''}"
                                      f" after {passes} passes"})
                life = replicas.start(victim.slot)
                events.row({"t": round(time.time() - t0, 2), "event": "restart", "detail": f"{life.id} pid {life.pid}"})
                next_kill = passes + rng.randint(*form["kill_every"])
            if phase == "releasing":
                reached = passes >= form["passes"] and decisions >= form["decisions"] and kills >= form["min_kills"]
                if reached or now >= main_end:
                    phase, phase_started = "settling", now
                    driving.releasing = False
                    figures["releasing_s"] = now - t0
                    events.row({"t": round(now - t0, 2), "event": "stop releasing",
                                "detail": f"{passes} passes, {decisions} decisions, {kills} kills"})
            elif phase == "settling":
                if not driver.unfinished() or now - phase_started >= form["settle_s"]:
                    phase, phase_started = "idle", now
                    idle["start"] = checks.idle_snapshot(replicas.remote, replicas.passes())
                    events.row({"t": round(now - t0, 2), "event": "idle",
                                "detail": f"unfinished releases: {len(driver.unfinished())}"})
            elif phase == "idle" and now - phase_started >= form["idle_s"]:
                for life in replicas.current.values():
                    life.refresh_metrics()
                idle["end"] = checks.idle_snapshot(replicas.remote, replicas.passes())
                break
            time.sleep(0.05)
        driving.stopping.set()
        driving.join(timeout=60)
        row = remote_sample(replicas.remote, time.time() - t0)
        rem_csv.row(row)
        remote_rows.append(row)
        replicas.stop_all()
        events.row({"t": round(time.time() - t0, 2), "event": "stop", "detail": "SIGTERM"})
        figures.update(wall_s=time.time() - t0, kills=kills, passes=replicas.passes())
        hooks.stop()
        result = checks.Checks(form, replicas, driver, hooks.calls, remote_rows, idle, figures, base, out)
        result.run_all()
        result.check_wall(time.time() - started)
        report = result.report()
        print(report, flush=True)
        with open(os.path.join(out, "summary.txt"), "w") as f:
            f.write(report + "\n")
        return 0 if result.ok() else 1
    finally:
        replicas.kill_everything()
        if "driving" in locals():  # a push in flight ends within its own timeout; the thread is a daemon
            driving.stopping.set()
            driving.join(timeout=10)
        os.makedirs(os.path.join(out, "logs"), exist_ok=True)
        for life in replicas.lives:
            shutil.copy(life.log_path, os.path.join(out, "logs", os.path.basename(life.log_path)))
        driver.close()
        prometheus.stop()
        try:
            hooks.stop()
        except Exception:  # already stopped
            pass
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--binary", required=True, help="gitcanary-serve")
    p.add_argument("--out", required=True, help="artifacts directory (CSV, logs, summary)")
    p.add_argument("--form", choices=sorted(FORMS), default="short")
    p.add_argument("--seed", type=int, default=20261207)
    p.add_argument("--poll", default=POLL, help=f"serve's --poll (default {POLL})")
    p.add_argument("--keep", action="store_true", help="keep the work directory (remote, caches)")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        return run(args)
    except Stop as e:
        print(f"soak: stopped by {e}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError) as e:
        print(f"soak: could not run: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
