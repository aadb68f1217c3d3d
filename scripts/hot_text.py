#!/usr/bin/env python3
"""Writes plugin/hot_text/<executable>.ld for gitcanary and gitcanary-git: the
functions each runs on its common paths, placed side by side at the start of
its code.

Why: on a machine whose page faults are dear, a process pays one fault per
64 KiB window of code it touches (the kernel maps a window of the file per
fault), and a window costs 15-25 us on a virtual machine. A render of one app
ran about 600 functions spread over 58 such windows of a 4.9 MB text; side by
side they take 12 (README, "Start-up and memory").

How: each command of WORKLOADS runs once under valgrind's callgrind, on the
bundled examples, and every function it executes is looked up in the link map
of the same build (build/<executable>.map), which names the input section that
holds it. The linker script lists those sections, in the order of WORKLOADS,
in one output section that GNU ld inserts before .text. A section that a
later build no longer has matches nothing and is ignored, so a stale list
costs speed only, never correctness; tests/executables_test.cc fails when a
list no longer covers what a render or a diff runs.

Usage, after a build: python3 scripts/hot_text.py [--build build]; then build
again. Needs valgrind.
"""
import argparse
import bisect
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "plugin", "hot_text")

ARGOCD_ENV = {"ARGOCD_APP_NAME": "podinfo", "ARGOCD_APP_NAMESPACE": "test",
              "ARGOCD_APP_REVISION": "4f2d8c0e9a1b7d3c5e6f8a9b0c1d2e3f4a5b6c7d",
              "ARGOCD_APP_SOURCE_PATH": "podinfo", "ARGOCD_APP_PARAMETERS": '[{"name":"mode","string":"git"}]'}

# Per executable, its commands as (arguments, directory under examples/ to
# run in, extra environment), the commonest first: a function is placed with
# the first command that runs it, so start-up comes first, then a render in
# flagger mode, and so on; each command only adds what the ones before it did
# not run. "{plain}" is a copy of hello-world with a kustomization.yaml that
# lists its files, the commonest shape of an app in a GitOps repository;
# "{repo}" a packed git repository of two apps, {plain} and podinfo, in git
# mode, whose head changes both images (diff runs twice: without its memo,
# then with it).
WORKLOADS = {
    "gitcanary": [
        (["--version"], ".", {}),
        (["render", "--mode", "flagger", "{plain}"], ".", {}),
        (["render", "--mode", "flagger", "hello-world"], ".", {}),
        (["render", "--mode", "flagger", "kustomize-overlays/prod"], ".", {}),
        (["render", "--mode", "flagger", "monorepo"], ".", {}),
        (["generate"], "podinfo", ARGOCD_ENV),
        (["render", "--mode", "git", "kustomize-overlays/prod"], ".", {}),
        (["render", "--mode", "git", "podinfo-nginx"], ".", {}),
    ],
    "gitcanary-git": [
        (["diff", "--repo", "{repo}", "--base", "HEAD~1", "--head", "HEAD"], ".", {}),
        (["diff", "--repo", "{repo}", "--base", "HEAD~1", "--head", "HEAD"], ".", {}),
    ],
}

# What start-up runs outside valgrind only (it gives a process no vDSO, so
# glibc's set-up of the vDSO does not run there), and the entry point.
ALWAYS = ["_start", "frame_dummy", "register_tm_clones", "_dl_new_object", "_dl_lookup_symbol_x", "_dl_setup_hash",
          "_dl_add_to_namespace_list"]

# Input section names that many functions share: these are named with their
# file, the others (one function each) by name alone.
SHARED_NAME = re.compile(r"^\.text(\.(unlikely|startup|hot|exit|evex|evex512|avx|avx2|sse2|sse4|ssse3)[^.]*)?$")


def executed_functions(binary, args, cwd, env):
    """The symbol names callgrind saw executed, mangled."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        run = subprocess.run(["valgrind", "--tool=callgrind", "--demangle=no", f"--callgrind-out-file={out}",
                              binary, *args], cwd=cwd, env=dict(os.environ, **env), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, timeout=600)
        if run.returncode not in (0, 1):  # diff exits 1 when there are changes
            sys.exit(f"hot_text: {os.path.basename(binary)} {' '.join(args)} failed:\n{run.stderr[-2000:]}")
        names, ran = {}, set()
        with open(out) as f:
            for line in f:
                m = re.match(r"^(c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
                if not m:
                    continue
                if m.group(3):
                    names[m.group(2)] = m.group(3)
                if m.group(1) == "fn":
                    ran.add(m.group(2))
        return {names[i] for i in ran if i in names}


def symbol_addresses(binary):
    """name -> addresses of the function symbols of the binary (a local function,
    such as a clone of an inline one, can have its name in several objects:
    callgrind names them alike, so all are taken)."""
    out = subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout
    addresses = collections.defaultdict(list)
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1] in "tTwWiI":
            addresses[parts[2]].append(int(parts[0], 16))
    return addresses


def text_input_sections(map_path):
    """(address, size, section name, file) of every .text input section in a GNU ld map."""
    sections, pending = [], None
    in_map = False
    with open(map_path) as f:
        for line in f:
            if line.startswith("Linker script and memory map"):
                in_map = True
                continue
            if not in_map:
                continue
            m = re.match(r"^ (\.text\S*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m:
                sections.append((int(m.group(2), 16), int(m.group(3), 16), m.group(1), m.group(4).strip()))
                pending = None
                continue
            m = re.match(r"^ (\.text\S*)\s*$", line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m and pending:
                sections.append((int(m.group(1), 16), int(m.group(2), 16), pending, m.group(3).strip()))
            pending = None
    return sorted(s for s in sections if s[1] > 0)


def file_pattern(path):
    """A linker script file pattern for a map's file column: archive members as archive:member."""
    m = re.match(r"^(.*)\((.*)\)$", path)
    if m:
        return f"*{os.path.basename(m.group(1))}:{m.group(2)}"
    return "*" + "/".join(path.split("/")[-2:])


# glibc picks one of several versions of its string functions by the CPU it
# runs on (valgrind's is not the machine's): a family is placed whole.
LIBC_VARIANT = re.compile(r"^(\*libc\.a:(mem|str|stp|wcs|wmem|raw)[a-z_]*)-[a-z0-9-]+\.o$")


def section_line(section):
    _, _, name, path = section
    if not SHARED_NAME.match(name):
        return f"*({name})"
    pattern = file_pattern(path)
    family = LIBC_VARIANT.match(pattern)
    return f"{family.group(1)}-*.o(.text*)" if family else f"{pattern}({name})"


def sample_inputs(examples, tmp):
    """{plain} and {repo} of WORKLOADS, made under tmp."""
    plain = os.path.join(tmp, "plain")
    os.mkdir(plain)
    hello = os.path.join(examples, "hello-world")
    files = sorted(f for f in os.listdir(hello) if f.endswith(".yaml") and f != "gitcanary.yaml")
    for f in files + ["gitcanary.yaml"]:
        shutil.copy(os.path.join(hello, f), plain)
    with open(os.path.join(plain, "kustomization.yaml"), "w") as k:
        k.write("resources:\n" + "".join(f"- {f}\n" for f in files))
    repo = os.path.join(tmp, "repo")
    apps = {"plain": plain, "podinfo": os.path.join(examples, "podinfo")}
    for name, source in apps.items():
        shutil.copytree(source, os.path.join(repo, "apps", name),
                        ignore=shutil.ignore_patterns("gitcanary.yaml", "README.md"))
    git = ["git", "-c", "user.name=hot_text", "-c", "user.email=hot_text@localhost", "-C", repo]
    subprocess.run(git + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "base"], check=True)
    for name in apps:
        deployment = os.path.join(repo, "apps", name, "deployment.yaml")
        with open(deployment) as f:
            text = f.read()
        with open(deployment, "w") as f:
            f.write(re.sub(r"(image: \S+):\S+", r"\1:hot-text", text, count=1))
    subprocess.run(git + ["commit", "-qam", "head"], check=True)
    subprocess.run(git + ["repack", "-adq"], check=True)  # as a clone is
    return {"{plain}": plain, "{repo}": repo}


def hot_sections(binary, link_map, workloads, inputs, examples):
    """The linker script lines for the input sections of what `workloads` run
    in `binary`, in their order, and their size in bytes."""
    first = dict.fromkeys(ALWAYS, 0)  # function -> index of the first command that ran it
    for i, (args, where, env) in enumerate(workloads):
        for key, value in inputs.items():
            args = [a.replace(key, value) for a in args]
        for name in executed_functions(binary, args, os.path.join(examples, where), env):
            first.setdefault(name, i)
    addresses = symbol_addresses(binary)
    sections = text_input_sections(link_map)
    starts = [s[0] for s in sections]
    chosen, seen, size = [], set(), 0
    for name in sorted(first, key=lambda n: (first[n], n)):
        for at in addresses.get(name, []):
            i = bisect.bisect_right(starts, at) - 1
            if i < 0 or not sections[i][0] <= at < sections[i][0] + sections[i][1]:
                continue
            line = section_line(sections[i])
            if line not in seen:
                seen.add(line)
                chosen.append(line)
                size += sections[i][1]
    return chosen, size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    opts = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("hot_text: valgrind is needed (apt-get install valgrind)")
    examples = os.path.join(ROOT, "examples")
    os.makedirs(OUT, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        inputs = sample_inputs(examples, tmp)
        for executable, workloads in WORKLOADS.items():
            chosen, size = hot_sections(os.path.join(opts.build, executable),
                                        os.path.join(opts.build, executable + ".map"), workloads, inputs, examples)
            out = os.path.join(OUT, executable + ".ld")
            with open(out, "w") as f:
                f.write(f"/* The code {executable} runs on its common paths, side by side (written by\n"
                        "   scripts/hot_text.py; see there). */\n"
                        "SECTIONS\n{\n  .text.hot_path :\n  {\n" + "".join(f"    {line}\n" for line in chosen) +
                        "  }\n}\nINSERT BEFORE .text;\n")
            print(f"hot_text: {executable}: {len(chosen)} input sections, {size // 1024} KiB as built"
                  f" -> {os.path.relpath(out, ROOT)}")


if __name__ == "__main__":
    main()
