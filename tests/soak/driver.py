"""The person of the soak test: a work clone of the bare remote, where the
driver commits the 20 apps and then, whenever a canary has finished its last
release (Succeeded or Failed), pushes its next one with the git CLI.

Each release is an image tag bump, healthy or broken at random. Before the
push the driver sets what the stand-in Prometheus answers for that canary
(99 healthy, 10 broken, against thresholdRange min 50), so a healthy release
is promoted and a broken one rolled back.
"""
import os
import subprocess

from history import Blobs, git, git_ok, parse_status, status_path

HEALTHY, BROKEN = 99, 10
FINAL = ("Succeeded", "Failed")

# Flagger's sequence for one release of a canary with stepWeight 10, maxWeight
# 30 and threshold 2, as (phase, weight, failedChecks) from the new revision on:
# healthy: every check passes up to maxWeight, then promotion;
# broken: the first step only runs the pre-rollout checks, then each metric
# check fails; at the tick after the second failure it rolls back (the failed
# checks stay in the status, as Flagger keeps them until the next revision).
EXPECTED = {
    "healthy": [("Progressing", 0, 0), ("Progressing", 10, 0), ("Progressing", 20, 0), ("Progressing", 30, 0),
                ("Promoting", 30, 0), ("Finalising", 0, 0), ("Succeeded", 0, 0)],
    "broken": [("Progressing", 0, 0), ("Progressing", 10, 0), ("Progressing", 10, 1), ("Progressing", 10, 2),
               ("Failed", 0, 2)],
}


def app_yaml(name, tag, prometheus_url, hooks_url):
    hook = lambda kind: (f"      - name: {kind}\n        type: {kind}\n"
                         f"        url: {hooks_url}/hook/{kind}\n        timeout: 5s\n")
    return (f"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: test\nspec:\n"
            f"  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n"
            f"        app: {name}\n    spec:\n      containers:\n        - name: app\n"
            f"          image: ghcr.io/example/{name}:{tag}\n"
            "---\n"
            f"apiVersion: flagger.app/v1beta1\nkind: MetricTemplate\nmetadata:\n  name: soak-health-{name}\n"
            f"  namespace: test\nspec:\n  provider:\n    type: prometheus\n    address: {prometheus_url}\n"
            "  query: soak_health{canary=\"{{ target }}\"}\n"
            "---\n"
            f"apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata:\n  name: {name}\n  namespace: test\nspec:\n"
            f"  targetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: {name}\n"
            "  service:\n    port: 9898\n"
            "  analysis:\n    interval: 1s\n    threshold: 2\n    maxWeight: 30\n    stepWeight: 10\n"
            "    metrics:\n      - name: health\n        templateRef:\n"
            f"          name: soak-health-{name}\n"
            "          namespace: test\n        thresholdRange:\n          min: 50\n        interval: 1m\n"
            "    webhooks:\n" + hook("pre-rollout") + hook("rollout") + hook("post-rollout"))


def run(cwd, *args, check=True):
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip()}")
    return r


class Driver:
    def __init__(self, base, canaries, prometheus, hooks_url, rng, broken_share):
        self.remote = os.path.join(base, "remote.git")
        self.work = os.path.join(base, "work")
        self.canaries = canaries
        self.prometheus, self.hooks_url = prometheus, hooks_url
        self.rng, self.broken_share = rng, broken_share
        self.state = {c: "new" for c in canaries}  # new -> idle <-> released
        self.spec_at_push = {}
        self.tag = {c: 0 for c in canaries}
        self.releases = {c: [] for c in canaries}  # "healthy"/"broken", in push order
        self.outcomes = {c: [] for c in canaries}  # final phase seen, in order
        self.pushes = self.push_retries = 0
        self.blobs = None

    def setup(self):
        subprocess.run(["git", "init", "-q", "--bare", "-b", "main", self.remote], check=True)
        run(None, "git", "clone", "-q", self.remote, self.work)
        run(self.work, "git", "config", "user.name", "Person")
        run(self.work, "git", "config", "user.email", "person@example.com")
        for c in self.canaries:
            self.prometheus.set(c, HEALTHY)
            self.write(c)
        self.commit_and_push(f"add {len(self.canaries)} apps")
        self.blobs = Blobs(self.remote)

    def write(self, canary):
        os.makedirs(os.path.join(self.work, "apps", canary), exist_ok=True)
        with open(os.path.join(self.work, "apps", canary, "app.yaml"), "w") as f:
            f.write(app_yaml(canary, f"1.0.{self.tag[canary]}", self.prometheus.url, self.hooks_url))

    def commit_and_push(self, message):
        run(self.work, "git", "add", "-A")
        run(self.work, "git", "commit", "-qm", message)
        for attempt in range(30):
            if run(self.work, "git", "push", "-q", "origin", "HEAD:main", check=False).returncode == 0:
                self.pushes += 1
                return
            self.push_retries += 1
            run(self.work, "git", "pull", "-q", "--rebase", "origin", "main")
        raise RuntimeError("the driver's push lost 30 races in a row")

    def statuses(self):
        """canary -> status dict at the remote's branch head (missing: none yet)."""
        out = git_ok(self.remote, "ls-tree", "-r", "main", "--", "apps") or ""
        wanted = {status_path(c): c for c in self.canaries}
        result = {}
        for line in out.splitlines():
            meta, _, path = line.partition("\t")
            if path in wanted:
                result[wanted[path]] = parse_status(self.blobs.text(meta.split()[2]))
        return result

    def tick(self, releasing):
        """Notes finished releases; when `releasing`, pushes the next release of
        every idle canary in one commit. Returns how many were pushed."""
        statuses = self.statuses()
        for c in self.canaries:
            s = statuses.get(c)
            if s is None:
                continue
            if self.state[c] == "new" and s["phase"] == "Initialized":
                self.state[c] = "idle"
            elif self.state[c] == "released" and s["phase"] in FINAL and s["spec"] != self.spec_at_push[c]:
                self.state[c] = "idle"
                self.outcomes[c].append(s["phase"])
        if not releasing:
            return 0
        idle = [c for c in self.canaries if self.state[c] == "idle"]
        if not idle:
            return 0
        run(self.work, "git", "pull", "-q", "--rebase", "origin", "main")
        kinds = []
        for c in idle:
            kind = "broken" if self.rng.random() < self.broken_share else "healthy"
            self.tag[c] += 1
            self.prometheus.set(c, BROKEN if kind == "broken" else HEALTHY)
            self.write(c)
            self.releases[c].append(kind)
            self.spec_at_push[c] = statuses[c]["spec"]
            self.state[c] = "released"
            kinds.append(f"{c} 1.0.{self.tag[c]} ({kind})")
        self.commit_and_push("release " + ", ".join(kinds))
        return len(idle)

    def unfinished(self):
        return [c for c in self.canaries if self.state[c] != "idle"]

    def close(self):
        if self.blobs:
            self.blobs.close()
