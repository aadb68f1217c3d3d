"""Reading what serve left in the bare remote, with the git CLI:

- the branch's first-parent history, with the objects each commit introduced,
  so the bytes serve wrote (status commits, their trees and blobs) are told
  apart from the bytes the driver pushed (releases);
- the status of record of every canary at every commit that changed it;
- the objects of a ref (the notes ref, the lease ref) and their sizes.
"""
import subprocess

SERVE_AUTHOR = "gitcanary"  # serve's default --author-name


def git(remote, *args, input_text=None, timeout=120):
    r = subprocess.run(["git", "--git-dir", remote, *args], input=input_text, capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def git_ok(remote, *args, timeout=120):
    """stdout, or None when git fails (a ref that does not exist yet)."""
    r = subprocess.run(["git", "--git-dir", remote, *args], capture_output=True, text=True, timeout=timeout)
    return r.stdout if r.returncode == 0 else None


class Blobs:
    """Blob texts by id, read with one long-lived `git cat-file --batch`."""

    def __init__(self, remote):
        self.proc = subprocess.Popen(["git", "--git-dir", remote, "cat-file", "--batch"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE)
        self.cache = {}

    def text(self, oid):
        if oid in self.cache:
            return self.cache[oid]
        self.proc.stdin.write(oid.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            raise RuntimeError(f"object {oid} missing")
        data = self.proc.stdout.read(int(header[2]))
        self.proc.stdout.read(1)  # the newline after the object
        self.cache[oid] = data.decode(errors="replace")
        return self.cache[oid]

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.SubprocessError):
            self.proc.kill()


def object_sizes(remote, oids, disk=False):
    """oid -> size in bytes (the object's own size, or with disk=True its size in
    the pack or loose file)."""
    if not oids:
        return {}
    fmt = "%(objectname) %(objectsize:disk)" if disk else "%(objectname) %(objectsize)"
    out = git(remote, "cat-file", f"--batch-check={fmt}", input_text="\n".join(oids) + "\n")
    sizes = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def resolve(remote, names):
    """name ("<commit>:<path>") -> object id, "" for what does not exist."""
    names = sorted(set(names))
    if not names:
        return {}
    out = git(remote, "cat-file", "--batch-check=%(objectname)", input_text="\n".join(names) + "\n")
    result = {}
    for name, line in zip(names, out.splitlines()):
        result[name] = "" if line.endswith(" missing") or line.endswith(" ambiguous") else line.strip()
    return result


def ref_objects(remote, ref):
    """Every object reachable from `ref` ([] when it does not exist)."""
    out = git_ok(remote, "rev-list", "--objects", ref)
    return [line.split()[0] for line in (out or "").splitlines() if line.strip()]


def reachable_objects(remote):
    out = git(remote, "rev-list", "--objects", "--all")
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def parse_status(text):
    """The fields of a status file's `status:` mapping that the soak checks."""
    fields, inside = {}, False
    for line in text.splitlines():
        if line.startswith("status:"):
            inside = True
            continue
        if inside and line and not line.startswith(" "):
            break
        if inside and line.startswith("  ") and not line.startswith("   ") and ":" in line:
            key, _, value = line.strip().partition(":")
            fields[key] = value.strip().strip('"')
    return {"phase": fields.get("phase", ""), "weight": int(fields.get("canaryWeight", "0") or 0),
            "failed": int(fields.get("failedChecks", "0") or 0), "spec": fields.get("lastAppliedSpec", "")}


class Commit:
    def __init__(self, oid, tree, author, subject):
        self.oid, self.tree, self.author, self.subject = oid, tree, author, subject
        self.changes = []  # (new object id, path) for every blob and tree the commit changed or added

    @property
    def by_serve(self):
        return self.author == SERVE_AUTHOR


def branch_history(remote, branch="main"):
    """First-parent commits of `branch`, oldest first, with the objects each changed."""
    if git_ok(remote, "rev-parse", "--verify", "-q", branch) is None:
        return []
    out = git(remote, "log", "--first-parent", "--reverse", "--no-abbrev", "--raw", "-t",
              "--format=%x1e%H %T %an%x1f%s", branch)
    commits = []
    for record in out.split("\x1e"):
        if not record.strip():
            continue
        head, _, rest = record.partition("\n")
        ids, _, subject = head.partition("\x1f")
        oid, tree, author = ids.split(" ", 2)
        c = Commit(oid, tree, author, subject)
        for line in rest.splitlines():
            if not line.startswith(":"):
                continue
            meta, _, path = line.partition("\t")
            parts = meta.split()
            if len(parts) >= 5 and set(parts[3]) != {"0"}:
                c.changes.append((parts[3], path))
        commits.append(c)
    return commits


def status_path(canary):
    return f"apps/{canary}/{canary}.gitcanary-status.yaml"


def status_histories(commits, blobs, canaries):
    """canary -> [(commit, status dict)] for every commit that changed its status file."""
    paths = {status_path(c): c for c in canaries}
    out = {c: [] for c in canaries}
    for c in commits:
        for oid, path in c.changes:
            if path in paths:
                out[paths[path]].append((c, parse_status(blobs.text(oid))))
    return out


def introduced_objects(commits):
    """(serve's objects, the driver's objects): every object is counted once, for
    the first commit that introduced it (its commit object, root tree, and the
    trees and blobs it changed)."""
    seen, serve, person = set(), [], []
    for c in commits:
        for oid in [c.oid, c.tree] + [o for o, _ in c.changes]:
            if oid in seen:
                continue
            seen.add(oid)
            (serve if c.by_serve else person).append(oid)
    return serve, person
