"""What one run of a command costs the kernel, run by bench.py beside the wall times:

- page faults, from `perf stat -e page-faults` (median of a few runs);
- system calls, from `strace -f -c` (one run; counts do not vary run to run),
  with the calls that touch files (openat, read, close, getdents64 and the stat
  family) counted apart.

Either tool may be missing or refused (perf_event_paranoid): the figure is then
None and the report says so. Nothing here is timed: strace slows a process many
times over.
"""
import os
import shutil
import statistics
import subprocess
import tempfile

FILE_CALLS = ("openat", "open", "read", "close", "getdents64", "newfstatat", "fstat", "lstat", "stat", "statx",
              "readlink", "readlinkat", "fcntl")


def page_faults(cmd, runs=5, cwd=None, env=None):
    """Median page faults of `runs` runs of cmd, or None without a usable perf."""
    if shutil.which("perf") is None:
        return None
    counts = []
    for _ in range(runs):
        proc = subprocess.run(["perf", "stat", "-x", ",", "-e", "page-faults", "--", *cmd], cwd=cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        line = next((l for l in proc.stderr.splitlines() if ",page-faults" in l), None)
        if line is None or not line.split(",")[0].isdigit():
            return None
        counts.append(int(line.split(",")[0]))
    return int(statistics.median(counts))


def syscalls(cmd, cwd=None, env=None):
    """{syscall: calls} of one run of cmd and its threads and children, or None without strace."""
    if shutil.which("strace") is None:
        return None
    with tempfile.NamedTemporaryFile(prefix="gitcanary-strace-", suffix=".txt") as out:
        proc = subprocess.run(["strace", "-f", "-c", "-o", out.name, "--", *cmd], cwd=cwd, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if proc.returncode not in (0, 1):
            return None
        counts = {}
        for line in open(out.name):
            parts = line.split()
            # "% time  seconds  usecs/call  calls  [errors]  syscall"
            if len(parts) >= 5 and parts[0][0].isdigit() and parts[-1] != "total":
                counts[parts[-1]] = int(parts[3])
        return counts or None


def regular_files(tree):
    """Regular files under a directory (what a render of it may read)."""
    return sum(len(files) for _, _, files in os.walk(tree))


def describe(cmd, files=None, cwd=None, env=None):
    """'F faults, S syscalls = s/file (f/file on files)' for one command over `files` files
    (totals only without `files`)."""
    faults = page_faults(cmd, cwd=cwd, env=env)
    calls = syscalls(cmd, cwd=cwd, env=env)
    parts = [f"{faults} faults" if faults is not None else "faults: no perf"]
    if calls is None:
        parts.append("syscalls: no strace")
    else:
        total = sum(calls.values())
        on_files = sum(calls.get(name, 0) for name in FILE_CALLS)
        parts.append(f"{total} syscalls" if files is None else
                     f"{total} syscalls = {total / files:.1f}/file ({on_files / files:.1f} on files)")
    return ", ".join(parts)
