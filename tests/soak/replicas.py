"""The serve replicas of the soak test: started, sampled, killed and restarted.

A replica is one slot (replica-N) with its own cache directory; each process
started in that slot is a "life" with its own id (replica-N.G), log file and
listen port on 127.0.0.1. A life is sampled from /proc (VmRSS, open fds), its
cache directory (bytes, packs, loose objects) and its /metrics (passes,
lease held, status commits, push conflicts).
"""
import ctypes
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request

# /metrics is read without any proxy from the environment: loopback only.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _die_with_parent():
    """In the child before exec: SIGKILL when the soak's process goes away, so
    no replica outlives a soak that was itself killed (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dir_bytes(*paths):
    """Bytes of the files under each path (du -sb, so the walk runs outside
    this process and the stand-ins' threads keep answering), as a list."""
    r = subprocess.run(["du", "-sb", *paths], capture_output=True, text=True, timeout=60)
    sizes = {}
    for line in r.stdout.splitlines():
        size, _, path = line.partition("\t")
        sizes[path] = int(size)
    return [sizes.get(p, 0) for p in paths]


def cache_shape(path):
    """(packs, loose objects) of a bare repository."""
    objects = os.path.join(path, "objects")
    packs = loose = 0
    try:
        packs = sum(1 for f in os.listdir(os.path.join(objects, "pack")) if f.endswith(".pack"))
    except OSError:
        pass
    try:
        for d in os.listdir(objects):
            if len(d) == 2:
                loose += len(os.listdir(os.path.join(objects, d)))
    except OSError:
        pass
    return packs, loose


def proc_rss_kb(pid):
    """(VmRSS, RssAnon, RssFile) in kB, or None when the process is gone.
    RssAnon is the heap, RssFile mostly the cache's packs mapped by libgit2."""
    fields = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in ("VmRSS", "RssAnon", "RssFile"):
                    fields[key] = int(line.split()[1])
    except OSError:
        return None
    if "VmRSS" not in fields:
        return None
    return fields["VmRSS"], fields.get("RssAnon", 0), fields.get("RssFile", 0)


def proc_fds(pid, remote):
    """(open fds, of which into the bare remote); None when the process is
    gone. A fetch or push to a local-path remote opens that repository's
    packs for its duration (libgit2's local transport), a count that follows
    the remote's own pack count until its gc: an artifact of testing against
    a local path, which an http or ssh remote does not have."""
    try:
        names = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    into_remote = 0
    prefix = os.path.realpath(remote) + os.sep
    for name in names:
        try:
            if os.readlink(f"/proc/{pid}/fd/{name}").startswith(prefix):
                into_remote += 1
        except OSError:
            pass
    return len(names), into_remote


def scrape(port, timeout=2.0):
    """The soak's counters from serve's /metrics; None when it does not answer."""
    try:
        with _OPENER.open(f"http://127.0.0.1:{port}/metrics", timeout=timeout) as r:
            text = r.read().decode()
    except OSError:
        return None
    wanted = {"gitcanary_analysis_seconds_count": "passes", "gitcanary_lease_held": "lease_held",
              "gitcanary_status_commits_total": "commits", "gitcanary_push_conflicts_total": "conflicts"}
    out = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in wanted:
            out[wanted[name]] = int(float(value))
    return out


class Life:
    def __init__(self, slot, gen, proc, port, log_path, started):
        self.slot, self.gen, self.proc, self.port, self.log_path = slot, gen, proc, port, log_path
        self.started, self.ended = started, None
        self.killed = False
        self.metrics = {"passes": 0, "lease_held": 0, "commits": 0, "conflicts": 0}
        self.samples = []  # (t, rss_kb, fds)

    @property
    def id(self):
        return f"replica-{self.slot}.{self.gen}"

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.ended is None and self.proc.poll() is None

    def refresh_metrics(self):
        m = scrape(self.port) if self.alive() else None
        if m:
            self.metrics.update(m)
        return m


class Replicas:
    def __init__(self, binary, remote, base, lease_ttl, poll, min_interval):
        self.binary, self.remote, self.base = binary, remote, base
        self.lease_ttl, self.poll, self.min_interval = lease_ttl, poll, min_interval
        self.lives = []
        self.current = {}  # slot -> Life
        # The stand-ins are on loopback, which serve's egress policy denies by
        # default.
        self.extra = ["--allow-egress", "127.0.0.1"]
        os.makedirs(os.path.join(base, "logs"), exist_ok=True)

    def cache_dir(self, slot):
        return os.path.join(self.base, f"cache{slot}")

    def start(self, slot):
        gen = sum(1 for l in self.lives if l.slot == slot) + 1
        port = free_port()
        log_path = os.path.join(self.base, "logs", f"replica-{slot}.{gen}.log")
        args = [self.binary, "--repo", self.remote, "--cache-dir", self.cache_dir(slot), "--min-interval",
                self.min_interval, "--poll", self.poll, "--readiness", "none", "--listen", f"127.0.0.1:{port}",
                "--replica-id", f"replica-{slot}.{gen}", "--lease-ttl", self.lease_ttl, *self.extra]
        with open(log_path, "w") as log:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                                    preexec_fn=_die_with_parent)
        life = Life(slot, gen, proc, port, log_path, time.time())
        self.lives.append(life)
        self.current[slot] = life
        return life

    def pids(self):
        return [l.pid for l in self.current.values() if l.alive()]

    def holder(self):
        """The live life whose /metrics last said it holds the lease, else None."""
        for l in self.current.values():
            if l.alive() and l.metrics.get("lease_held") == 1:
                return l
        return None

    def kill9(self, life):
        """SIGKILL, reaped; its counters as last scraped just before."""
        life.refresh_metrics()
        os.kill(life.pid, signal.SIGKILL)
        life.proc.wait(timeout=30)
        life.ended, life.killed = time.time(), True

    def sample(self, now):
        rows = []
        slots = sorted(s for s, l in self.current.items() if l.alive())
        # serve may keep a second cache beside --cache-dir for the lease ("-lease").
        lease_dirs = {s: self.cache_dir(s) + "-lease" for s in slots if os.path.isdir(self.cache_dir(s) + "-lease")}
        dirs = [self.cache_dir(s) for s in slots] + list(lease_dirs.values())
        sizes = dict(zip(dirs, dir_bytes(*dirs))) if dirs else {}
        for slot in slots:
            life = self.current[slot]
            if not life.alive():
                continue
            life.refresh_metrics()
            rss, fds = proc_rss_kb(life.pid), proc_fds(life.pid, self.remote)
            if rss is None or fds is None:
                continue
            rss, rss_anon, rss_file = rss
            fds, fds_remote = fds
            # Judged: serve's own descriptors, without the remote's packs a
            # local-path fetch or push holds open for its duration.
            life.samples.append((now, rss, fds - fds_remote))
            packs, loose = cache_shape(self.cache_dir(slot))
            lease_packs, lease_loose = cache_shape(lease_dirs[slot]) if slot in lease_dirs else (0, 0)
            rows.append({"t": round(now, 2), "life": life.id, "pid": life.pid, "rss_kb": rss, "rss_anon_kb": rss_anon,
                         "rss_file_kb": rss_file, "fds": fds,
                         "fds_into_remote": fds_remote,
                         "cache_bytes": sizes.get(self.cache_dir(slot), 0), "cache_packs": packs, "cache_loose": loose,
                         "lease_cache_bytes": sizes.get(lease_dirs.get(slot), 0), "lease_cache_packs": lease_packs,
                         "lease_cache_loose": lease_loose,
                         "passes": life.metrics["passes"], "lease_held": life.metrics["lease_held"]})
        return rows

    def passes(self):
        return sum(l.metrics["passes"] for l in self.lives)

    def stop_all(self, grace=6.0):
        """SIGTERM every live process, SIGKILL what is left after `grace` seconds."""
        live = [l for l in self.lives if l.ended is None and l.proc.poll() is None]
        for l in live:
            try:
                l.proc.send_signal(signal.SIGTERM)
            except OSError:
                pass
        deadline = time.time() + grace
        for l in live:
            try:
                l.proc.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                l.proc.kill()
                l.proc.wait(timeout=10)
        for l in self.lives:
            if l.ended is None:
                l.ended = time.time()

    def kill_everything(self):
        """For the exit trap: SIGKILL every process this run started that is still there."""
        for l in self.lives:
            if l.proc.poll() is None:
                try:
                    l.proc.kill()
                    l.proc.wait(timeout=10)
                except (OSError, subprocess.SubprocessError):
                    pass


def log_lines(path):
    """The JSON lines of a serve log (other lines skipped)."""
    out = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except ValueError:
                    pass
    return out
