"""The soak test's assertions, each printed as one row of the summary with
its figures, and the figures themselves (passes, decisions, kills, RSS, fds,
cache packs, remote bytes per decision, lease ref size).

What each check means:
- flat: per process life, the highest RSS and fd count of the second half
  after the life's warm-up are within 10% of the highest of the first half
  (both swing with the cache's packs between compactions, so the ceiling is
  what a leak would lift; a life restarted after a kill -9 has its own
  warm-up); lives too short for two windows after warm-up are listed and not
  judged;
- packs: no cache ever held more than PACK_BOUND packs;
- remote: bytes serve wrote (status commits with their trees and blobs, and
  the notes ref) per decision, packed (after `git gc` on a copy) and raw, and
  the same ratio in the second half of the history within 2x of the first;
  during the idle window (passes, no release) the objects reachable from the
  branch and the notes do not change;
- lease: the lease ref reaches at most LEASE_BOUND objects;
- decisions: every status change is a legal successor of the one before, no
  change is repeated, each release follows its expected sequence to a final
  phase, and every status commit a log names is on the branch;
- webhooks: no hook is called twice for one step (canary, revision, hook,
  status at the call) by two processes, unless the first stopped between the
  two calls (killed, or its pass stopped on losing the lease).
"""
import csv
import datetime
import os
import shutil
import statistics
import subprocess
import time

import history
from driver import EXPECTED, FINAL
from replicas import dir_bytes, log_lines

PACK_BOUND = 20  # the cache is compacted past 16 packs; a few fetches may land before that
LEASE_BOUND = 3
FLAT_TOLERANCE = 0.10  # the long form's; the short form's is its own (soak.py FORMS)
HALVES_RATIO = 2.0


def idle_snapshot(remote, passes):
    """The objects reachable from the branch and the notes, and the lease's."""
    objs = set(history.ref_objects(remote, "main")) | set(history.ref_objects(remote, "refs/notes/gitcanary"))
    return {"passes": passes, "objects": objs, "head": (history.git_ok(remote, "rev-parse", "main") or "").strip(),
            "lease": len(history.ref_objects(remote, "refs/gitcanary/lease")), "disk": dir_bytes(remote)[0],
            "time": time.time()}


def half_ceilings(samples, warmup, window, index):
    """(highest value of the first half after warm-up, highest of the second
    half) of column `index` of samples (t, ...); None when the samples span
    less than warm-up plus two windows. Open files and RSS rise and fall with
    the cache's packs between compactions, so a leak shows as a higher
    ceiling, where medians of short windows would catch the swing."""
    start, end = samples[0][0], samples[-1][0]
    if end - start < warmup + 2 * window:
        return None
    middle = (start + warmup + end) / 2
    first = [s[index] for s in samples if start + warmup <= s[0] <= middle]
    last = [s[index] for s in samples if middle < s[0] <= end]
    return max(first), max(last)


def pooled_thirds(lives, warmup, index, least=10):
    """(median of the first third of the run, median of the last third) of
    column `index` over every life's samples (t, ...) taken after that life's
    own warm-up; None when a third has fewer than `least` of them. A restarted
    replica reads the whole history at once, so memory that follows the
    history shows here even when kills keep every life short; medians, because
    the thirds mix leaders and followers, and compactions come and go."""
    kept = [s for life in lives if life for s in life if s[0] >= life[0][0] + warmup]
    if not kept:
        return None
    start, end = min(s[0] for s in kept), max(s[0] for s in kept)
    third = (end - start) / 3
    first = sorted(s[index] for s in kept if s[0] <= start + third)
    last = sorted(s[index] for s in kept if s[0] >= end - third)
    if len(first) < least or len(last) < least:
        return None
    return first[len(first) // 2], last[len(last) // 2]


class Checks:
    def __init__(self, form, replicas, driver, calls, remote_rows, idle, figures, base, out):
        self.out = out
        self.form, self.replicas, self.driver, self.calls = form, replicas, driver, calls
        self.remote_rows, self.idle, self.fig, self.base = remote_rows, idle, figures, base
        self.remote = replicas.remote
        self.rows = []  # (name, ok, detail)
        self.timings = []
        self.notes = []  # extra lines for the report

    def add(self, name, ok, detail):
        self.rows.append((name, ok, detail))

    def ok(self):
        return all(ok for _, ok, _ in self.rows)

    def run_all(self):
        started = time.time()
        self.blobs = history.Blobs(self.remote)
        try:
            self.commits = history.branch_history(self.remote)
            self.statuses = history.status_histories(self.commits, self.blobs, self.driver.canaries)
            self.timed("history", started)
            for check in (self.check_counts, self.check_flat, self.check_packs, self.check_lease,
                          self.check_transitions, self.check_logged_commits, self.check_webhooks, self.check_remote):
                t = time.time()
                check()
                self.timed(check.__name__, t)
        finally:
            self.blobs.close()
        self.timings.append(f"checks {time.time() - started:.1f} s")

    def timed(self, what, since):
        self.timings.append(f"{what} {time.time() - since:.1f} s")

    # -- counts -----------------------------------------------------------
    def check_counts(self):
        f = self.fig
        f["decisions"] = sum(len(v) for v in self.statuses.values())
        f["status_commits"] = sum(1 for c in self.commits if c.by_serve)
        f["releases"] = sum(len(v) for v in self.driver.releases.values())
        msgs = [e.get("msg") for l in self.replicas.lives for e in log_lines(l.log_path)]
        f["logged_decisions"] = msgs.count("status committed")
        f["failed_passes"] = msgs.count("pass failed")
        notes = history.git_ok(self.remote, "notes", "--ref=gitcanary", "list") or ""
        noted = {line.split()[1] for line in notes.splitlines() if len(line.split()) == 2}
        f["notes"] = len(noted)
        f["commits_without_note"] = sum(1 for c in self.commits if c.by_serve and c.oid not in noted)
        self.add("passes", f["passes"] >= self.form["passes"],
                 f"{f['passes']} passes (target {self.form['passes']}), from /metrics "
                 f"gitcanary_analysis_seconds_count of every life; {f['failed_passes']} logged as failed")
        self.add("decisions", f["decisions"] >= self.form["decisions"],
                 f"{f['decisions']} status changes on the branch in {f['status_commits']} status commits "
                 f"(target {self.form['decisions']}); {f['logged_decisions']} logged as committed; "
                 f"{f['notes']} notes, {f['commits_without_note']} status commits without one (a kill between "
                 "the two pushes)")
        self.add("kills", f["kills"] >= self.form["min_kills"],
                 f"{f['kills']} kill -9 (at least {self.form['min_kills']}), {len(self.replicas.lives)} lives")

    def check_wall(self, total_s):
        """The whole run, from start to the end of the checks."""
        self.fig["wall_s"] = total_s
        self.add("wall time", total_s <= self.form["max_wall_s"],
                 f"{total_s:.0f} s from start to the end of the checks (at most {self.form['max_wall_s']} s)")

    # -- flat RSS and fds ---------------------------------------------------
    def check_flat(self):
        w, win = self.form["warmup_s"], self.form["window_s"]
        judged, bad, young = 0, [], []
        lines = []
        for life in self.replicas.lives:
            s = life.samples
            if not s:
                continue
            start, end = s[0][0], s[-1][0]
            if half_ceilings(s, w, win, 1) is None:
                young.append(f"{life.id} ({end - start:.0f} s)")
                continue
            judged += 1
            for index, what in ((1, "RSS kB"), (2, "fds")):  # fds: without a local remote's open packs
                first, last = half_ceilings(s, w, win, index)
                growth = (last - first) / first if first else 0
                self.fig.setdefault("flat_" + what.split()[0], []).append((life.id, first, last, end - start))
                lines.append(f"{life.id}{' (killed)' if life.killed else ''}: {what} {first:g} -> {last:g} "
                             f"({growth:+.1%}) over {end - start:.0f} s")
                if growth > self.form.get("flat_tolerance", FLAT_TOLERANCE):
                    bad.append(f"{life.id} {what} {first:g} -> {last:g} ({growth:+.1%})")
        tolerance = self.form.get("flat_tolerance", FLAT_TOLERANCE)
        pooled = []
        # Across lives, RSS only: open files swing by up to the pack bound
        # between compactions, so a third's median falls where the cycles
        # do; their bound is each life's ceiling and the pack count.
        for index, what in ((1, "RSS kB"),):
            thirds = pooled_thirds([life.samples for life in self.replicas.lives], w, index)
            if thirds is None:
                continue
            first, last = thirds
            growth = (last - first) / first if first else 0
            self.fig["pooled_" + what.split()[0]] = (first, last)
            pooled.append(f"{what} {first:g} -> {last:g} ({growth:+.1%})")
            if growth > tolerance:
                bad.append(f"every life's median {what} {first:g} -> {last:g} ({growth:+.1%}) from the first third of "
                           "the run to the last")
        self.notes.append("RSS and fds per life (highest in the first half after warm-up -> highest in the second half):")
        self.notes += ["  " + l for l in lines]
        if young:
            self.notes.append(f"  not judged (shorter than {w + 2 * win} s): " + ", ".join(young))
        if pooled:
            self.notes.append("  every life after its warm-up, median of the first third of the run -> of the last: "
                              + "; ".join(pooled))
        # Judged by each long-enough life, and across lives; kills may leave
        # no life long enough, but never too few samples across lives.
        self.add("RSS and fds flat", len(pooled) == 1 and not bad,
                 (f"{judged} lives judged, all within {tolerance:.0%}; across lives {', '.join(pooled)}" if not bad else
                  f"grew more than {tolerance:.0%}: " + "; ".join(bad)) if len(pooled) == 1 else
                 "too few samples after warm-up to judge")

    # -- cache packs ----------------------------------------------------------
    def check_packs(self):
        """The most packs, loose objects and bytes each cache directory held."""
        worst = {}
        with open(os.path.join(self.out, "replicas.csv")) as f:
            for r in csv.DictReader(f):
                slot = r["life"].split(".")[0]
                for name, prefix in ((slot, "cache_"), (slot + " lease cache", "lease_cache_")):
                    if int(r[prefix + "bytes"]) == 0:
                        continue
                    shape = (int(r[prefix + "packs"]), int(r[prefix + "loose"]), int(r[prefix + "bytes"]))
                    worst[name] = tuple(max(a, b) for a, b in zip(worst.get(name, (0, 0, 0)), shape))
        self.fig["cache"] = worst
        over = {k: v for k, v in worst.items() if v[0] > PACK_BOUND}
        detail = ", ".join(f"{k}: at most {v[0]} packs, {v[1]} loose objects, {v[2] / 1e6:.1f} MB"
                           for k, v in sorted(worst.items()))
        self.add(f"cache packs <= {PACK_BOUND}", not over, detail)

    # -- lease ----------------------------------------------------------------
    def check_lease(self):
        most = max((r["lease_objects"] for r in self.remote_rows), default=0)
        end = self.remote_rows[-1]["lease_objects"] if self.remote_rows else 0
        self.fig["lease_objects_end"], self.fig["lease_objects_max"] = end, most
        self.add(f"lease ref <= {LEASE_BOUND} objects", most <= LEASE_BOUND,
                 f"{end} objects at the end, at most {most} (git rev-list --objects refs/gitcanary/lease)")

    # -- decisions --------------------------------------------------------------
    def check_transitions(self):
        illegal, repeated, wrong, unfinished = [], [], [], []
        for canary in self.driver.canaries:
            hist = [s for _, s in self.statuses[canary]]
            commits = [c.oid[:10] for c, _ in self.statuses[canary]]
            p = canary_problems(canary, hist, commits, self.driver.releases[canary])
            illegal += p["illegal"]
            repeated += p["repeated"]
            wrong += p["wrong"]
            unfinished += p["unfinished"]
        self.add("every status change legal", not illegal, some(illegal) or
                 "each change a successor of the one before (stepWeight 10, maxWeight 30, threshold 2)")
        self.add("no decision doubled", not repeated, some(repeated) or "no status repeated")
        self.add("every release to a final phase", not wrong and not unfinished,
                 some(wrong + unfinished) or
                 f"{self.fig['releases']} releases, each its expected sequence to Succeeded (healthy) or Failed "
                 "(broken)")

    def check_logged_commits(self):
        on_branch = {}
        for canary, hist in self.statuses.items():
            for c, _ in hist:
                on_branch.setdefault(c.oid, set()).add(f"test/{canary}")
        lost = []
        for life in self.replicas.lives:
            for e in log_lines(life.log_path):
                if e.get("msg") == "status committed" and e.get("canary") not in on_branch.get(e.get("commit"), ()):
                    lost.append(f"{life.id}: {e.get('canary')} {e.get('commit', '')[:10]}")
        self.add("no decision lost", not lost, some(lost) or
                 "every status commit a log reports is on the branch with that canary's change")

    # -- webhooks ---------------------------------------------------------------
    def check_webhooks(self):
        stops = {}
        for l in self.replicas.lives:
            if l.killed:
                stops.setdefault(l.pid, []).append((l.ended, "kill -9"))
            for e in log_lines(l.log_path):
                if e.get("msg") == "pass failed":
                    why = "lease lost" if "lease lost" in e.get("error", "") else "pass failed"
                    stops.setdefault(l.pid, []).append((log_time(e.get("time", "")), why))
        # A caller the recorder could not name had exited by the time it looked:
        # any kill -9 between its call and the repeat may have been it.
        stops[0] = [(l.ended, "kill -9") for l in self.replicas.lives if l.killed]
        ids = {l.pid: l.id for l in self.replicas.lives}
        # The step a call belongs to: the canary's status file at the branch head of that moment.
        at = lambda call: f"{call['head']}:{history.status_path(call['canary'])}"
        blobs = history.resolve(self.remote, [at(c) for c in self.calls if c["head"] and c["canary"]])
        steps = {}
        for call in self.calls:
            k = (call["canary"], call["checksum"], call["hook"], call["phase"], blobs.get(at(call), ""))
            steps.setdefault(k, []).append(call)
        overlap, allowed = repeated_calls(steps, stops, ids)
        after_kill, after_lost = allowed.get("kill -9", 0), allowed.get("lease lost", 0)
        after_failed = allowed.get("pass failed", 0)
        self.fig.update(webhook_calls=len(self.calls), webhook_steps=len(steps), webhook_after_kill=after_kill,
                        webhook_after_lost=after_lost, webhook_after_failed=after_failed, webhook_overlaps=len(overlap))
        self.add("no webhook twice for one step", not overlap,
                 f"{len(overlap)} repeated calls not preceded by a stop of the first caller, e.g. " +
                 "; ".join(overlap[:5]) if overlap else
                 f"{len(self.calls)} calls for {len(steps)} steps; again after a kill -9 of the caller: {after_kill}, "
                 f"after the caller lost its lease mid-pass: {after_lost}, after the caller's pass failed: "
                 f"{after_failed}")

    # -- remote growth ------------------------------------------------------------
    def check_remote(self):
        serve, person = history.introduced_objects(self.commits)
        notes = history.branch_history(self.remote, "refs/notes/gitcanary")
        by_serve, by_other = history.introduced_objects(notes)
        note_objs = by_serve + by_other  # every object of the notes ref is serve's
        raw = history.object_sizes(self.remote, serve + note_objs + person)
        copy = os.path.join(self.base, "remote-gc.git")
        shutil.copytree(self.remote, copy)
        subprocess.run(["git", "--git-dir", copy, "gc", "--prune=now", "-q"], check=True, timeout=300)
        disk = history.object_sizes(copy, serve + note_objs + person, disk=True)
        f = self.fig
        d = max(f["decisions"], 1)
        f["serve_raw"] = sum(raw.get(o, 0) for o in serve) + sum(raw.get(o, 0) for o in note_objs)
        f["serve_packed"] = sum(disk.get(o, 0) for o in serve) + sum(disk.get(o, 0) for o in note_objs)
        f["notes_packed"] = sum(disk.get(o, 0) for o in note_objs)
        f["person_packed"] = sum(disk.get(o, 0) for o in person)
        f["remote_disk"] = self.remote_rows[-1]["disk_bytes"] if self.remote_rows else 0
        f["remote_gc"] = sum(os.path.getsize(os.path.join(r, x)) for r, _, xs in os.walk(copy) for x in xs)
        f["bytes_per_decision_packed"] = f["serve_packed"] / d
        f["bytes_per_decision_raw"] = f["serve_raw"] / d
        # The same ratio in each half of the history (by decisions).
        per_commit = self.per_commit_bytes(serve, note_objs, notes, disk)
        half = d / 2
        seen, halves = 0, [[0, 0], [0, 0]]
        for decisions, size in per_commit:
            h = 0 if seen < half else 1
            halves[h][0] += decisions
            halves[h][1] += size
            seen += decisions
        ratios = [b / a if a else 0 for a, b in halves]
        f["halves"] = ratios
        proportional = ratios[0] > 0 and ratios[1] <= ratios[0] * HALVES_RATIO
        self.add("remote growth per decision", proportional,
                 f"{f['bytes_per_decision_packed']:.0f} B packed ({f['bytes_per_decision_raw']:.0f} B raw) per "
                 f"decision; first half {ratios[0]:.0f} B, second half {ratios[1]:.0f} B (within "
                 f"{HALVES_RATIO:g}x); remote {f['remote_disk'] / 1e6:.1f} MB on disk, "
                 f"{f['remote_gc'] / 1e6:.1f} MB after gc (releases pushed: {f['person_packed'] / 1e6:.2f} MB)")
        a, b = self.idle.get("start"), self.idle.get("end")
        if not a or not b:
            self.add("no growth from idle passes", False, "the idle window did not run")
            return
        grown = b["objects"] - a["objects"]
        f["idle_passes"] = b["passes"] - a["passes"]
        f["idle_new_objects"] = len(grown)
        self.add("no growth from idle passes", not grown and a["head"] == b["head"] and f["idle_passes"] > 0,
                 f"{f['idle_passes']} idle passes: {len(grown)} new objects on the branch and notes, "
                 f"head {'unchanged' if a['head'] == b['head'] else 'moved'}; lease {a['lease']} -> {b['lease']} "
                 f"objects; on disk {(b['disk'] - a['disk']) / 1024:+.0f} KiB in {b['time'] - a['time']:.0f} s "
                 "(unreachable lease commits and pushed packs, until the server's gc)")

    def per_commit_bytes(self, serve, note_objs, notes, disk):
        """(decisions, packed bytes) per status commit, oldest first, with its note's objects."""
        serve_set = set(serve)
        note_of = {}
        note_set = set(note_objs)
        for n in notes:
            objs = [o for o in [n.oid, n.tree] + [x for x, _ in n.changes] if o in note_set]
            for _, path in n.changes:
                target = path.replace("/", "")
                if len(target) == 40:
                    note_of[target] = objs
        out = []
        status_paths = {history.status_path(c) for c in self.driver.canaries}
        for c in self.commits:
            if not c.by_serve:
                continue
            objs = [o for o in [c.oid, c.tree] + [x for x, _ in c.changes] if o in serve_set]
            decisions = sum(1 for _, p in c.changes if p in status_paths)
            size = sum(disk.get(o, 0) for o in objs) + sum(disk.get(o, 0) for o in note_of.get(c.oid, []))
            out.append((decisions, size))
        return out

    # -- report -------------------------------------------------------------------
    def report(self):
        width = max(len(n) for n, _, _ in self.rows)
        lines = [f"soak {self.fig['form']}: {'PASS' if self.ok() else 'FAIL'}",
                 f"{'check'.ljust(width)}  result  figures"]
        for name, ok, detail in self.rows:
            lines.append(f"{name.ljust(width)}  {'ok    ' if ok else 'FAILED'}  {detail}")
        lines += self.notes
        lines += self.figure_table()
        lines.append("time spent: " + ", ".join(self.timings))
        failed = [n for n, ok, _ in self.rows if not ok]
        if failed:
            lines.append("failed: " + ", ".join(failed))
        return "\n".join(lines)

    def figure_table(self):
        """The figures the README reports, as Markdown table rows."""
        f = self.fig
        rows = [("passes (failed)", f"{f.get('passes', 0):,} ({f.get('failed_passes', 0):,})"),
                ("decisions (status changes; status commits)", f"{f.get('decisions', 0):,}; {f.get('status_commits', 0):,}"),
                ("releases (healthy and broken)", f"{f.get('releases', 0):,}"),
                ("kill -9", f"{f.get('kills', 0)}"),
                ("wall time", f"{f.get('wall_s', 0):.0f} s")]
        for what, unit, scale in (("RSS", "MB", 1024), ("fds", "", 1)):
            lives = f.get("flat_" + what, [])
            if lives:
                life = max(lives, key=lambda l: l[3])  # the longest judged life
                rows.append((f"{what}, highest in the first -> second half after warm-up (longest life, {life[3]:.0f} s)",
                             f"{life[1] / scale:.1f} -> {life[2] / scale:.1f} {unit}".rstrip()))
                worst = max(lives, key=lambda l: (l[2] - l[1]) / l[1] if l[1] else 0)
                rows.append((f"{what}, most growth of {len(lives)} judged lives",
                             f"{(worst[2] - worst[1]) / worst[1]:+.1%} ({worst[0]})" if worst[1] else "-"))
        cache = f.get("cache", {})
        if cache:
            rows.append(("cache packs, most in any cache", f"{max(v[0] for v in cache.values())}"))
            rows.append(("cache size, largest", f"{max(v[2] for v in cache.values()) / 1e6:.1f} MB"))
        if "bytes_per_decision_packed" in f:
            rows.append(("remote bytes per decision, packed (raw)",
                         f"{f['bytes_per_decision_packed']:.0f} B ({f['bytes_per_decision_raw']:.0f} B)"))
            rows.append(("remote size on disk; after gc", f"{f['remote_disk'] / 1e6:.1f} MB; {f['remote_gc'] / 1e6:.1f} MB"))
        if "idle_passes" in f:
            rows.append(("idle passes; objects they added", f"{f['idle_passes']}; {f['idle_new_objects']}"))
        rows.append(("lease ref objects, end (most)", f"{f.get('lease_objects_end', 0)} ({f.get('lease_objects_max', 0)})"))
        rows.append(("webhook calls; repeated by a second live process",
                     f"{f.get('webhook_calls', 0):,}; {f.get('webhook_overlaps', 0)}"))
        return ["figures (Markdown, for the README):", "| figure | value |", "|---|---|"] + \
            [f"| {a} | {b} |" for a, b in rows]


def log_time(text):
    """Unix seconds of a log line's "2026-12-07T00:48:13.348Z"; 0 when unreadable."""
    try:
        return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
            tzinfo=datetime.timezone.utc).timestamp()
    except ValueError:
        return 0


def some(messages, n=5):
    """The first n messages, with how many there are in all ("" for none)."""
    if not messages:
        return ""
    return f"{len(messages)} in all, e.g. " + "; ".join(messages[:n]) if len(messages) > n else "; ".join(messages)


def key(s):
    return (s["phase"], s["weight"], s["failed"], s["spec"])


def fmt(s):
    return f"{s['phase']} {s['weight']}" + (f" fc{s['failed']}" if s["failed"] else "")


def legal(a, b):
    """Whether status b may follow a (stepWeight 10, maxWeight 30, threshold 2)."""
    pa, pb = a["phase"], b["phase"]
    if b["spec"] != a["spec"]:  # a new revision starts its analysis
        return pa in ("Initialized", "Succeeded", "Failed") and (pb, b["weight"], b["failed"]) == ("Progressing", 0, 0)
    if pa == "Progressing":
        if pb == "Progressing":
            step = b["weight"] == a["weight"] + 10 and b["weight"] <= 30 and b["failed"] in (0, a["failed"])
            failed = b["weight"] == a["weight"] and b["failed"] == a["failed"] + 1
            return step or failed
        if pb == "Promoting":
            return a["weight"] == 30 and b["weight"] == 30
        if pb == "Failed":
            return a["failed"] >= 2 and b["weight"] == 0
        return False
    if pa == "Promoting":
        return pb == "Finalising" and b["weight"] == 0
    if pa == "Finalising":
        return pb == "Succeeded" and b["weight"] == 0
    return False


def canary_problems(canary, hist, commits, kinds):
    """What is wrong with one canary's status history `hist` (status dicts,
    oldest first; `commits` their commit ids) given the releases pushed
    (`kinds`: "healthy"/"broken" in push order): lists of messages under
    illegal, repeated, wrong (a release off its sequence) and unfinished."""
    out = {"illegal": [], "repeated": [], "wrong": [], "unfinished": []}
    if not hist or (hist[0]["phase"], hist[0]["weight"]) != ("Initialized", 0):
        out["illegal"].append(f"{canary}: first status {fmt(hist[0]) if hist else None}")
        return out
    for i in range(1, len(hist)):
        a, b = hist[i - 1], hist[i]
        if key(a) == key(b):
            out["repeated"].append(f"{canary} {fmt(b)} twice ({commits[i - 1]}, {commits[i]})")
        elif not legal(a, b):
            out["illegal"].append(f"{canary} {fmt(a)} -> {fmt(b)} at {commits[i]}")
    # Each new revision starts a segment, which must follow its release's sequence.
    segments, current = [], None
    for s in hist[1:]:
        if current is None or s["spec"] != current[0]["spec"]:
            current = [s]
            segments.append(current)
        else:
            current.append(s)
    if len(segments) != len(kinds):
        out["wrong"].append(f"{canary}: {len(kinds)} releases pushed, {len(segments)} revisions analysed")
    for kind, seg in zip(kinds, segments):
        got = [(s["phase"], s["weight"], s["failed"]) for s in seg]
        if got != EXPECTED[kind][:len(got)] or (got[-1][0] in FINAL and len(got) != len(EXPECTED[kind])):
            out["wrong"].append(f"{canary} ({kind}): {', '.join(fmt(s) for s in seg)}")
        elif got[-1][0] not in FINAL:
            out["unfinished"].append(f"{canary} ({kind}) stopped at {fmt(seg[-1])}")
    return out


def repeated_calls(steps, stops, ids):
    """Repeated webhook calls for one step. `steps`: step -> calls ({time, pid});
    `stops`: pid -> [(time, why)] when that process stopped acting for the
    step it was on (killed, or a pass that failed: its lease lost, or every
    push race lost), so the step was never committed, and under pid 0 (a
    caller the recorder could not name) every kill; `ids`: pid -> name. A
    second call, by another process or the same one, is allowed only when the
    first caller stopped between the two calls. (A pass that loses one push
    race and decides again answers its webhooks from the first calls.)
    Returns (messages for the repeats not allowed, {why: repeats allowed})."""
    overlap, allowed = [], {}
    for k, calls in steps.items():
        calls = sorted(calls, key=lambda c: c["time"])
        for a, b in zip(calls, calls[1:]):
            why = next((w for t, w in stops.get(a["pid"] or 0, []) if a["time"] <= t <= b["time"]), None)
            if why:
                allowed[why] = allowed.get(why, 0) + 1
            else:
                overlap.append(f"{k[0]} {k[2]} ({k[3]}) by {ids.get(a['pid'], a['pid'] or 'an unknown process')} "
                               f"at {a['time']:.2f} "
                               f"and {ids.get(b['pid'], b['pid'] or 'an unknown process')} at {b['time']:.2f}")
    return overlap, allowed
