// Renders every example and fixture app through each way gitcanary emits
// objects, and validates every object it emits (validate.js):
// - `render --mode git` and `render --mode flagger` of every app directory
//   (and with -o json for the examples);
// - `generate` from the app's directory of an extracted copy of examples/,
//   with Argo CD's environment, in both modes;
// - `post-render` of the app's manifests on stdin (`helm template` for a
//   chart, the kustomize build for a kustomization, the files otherwise);
// - `krm` with the same manifests as a ResourceList, and the kustomize exec
//   plugin of examples/kustomize through the real `kubectl kustomize`.
// - the builds of deploy/argocd/serve and deploy/flux/serve, and
//   deploy/argocd/serve/secret.example.yaml.
// Besides each object's schema, a Service of an output must select the pods of
// a workload of that output (else it has no endpoints).
// An example that fails to render is a failure; a fixture tree of
// ../shared/fixtures that render refuses (such as a chart whose dependencies
// must be downloaded) is listed as skipped, with render's message.
//
//   node run.js --gitcanary BIN --source DIR --schemas DIR [--helm BIN] [--only APP]
//
// --only checks the one app of that name (as printed: examples/podinfo).
//
// Prints one line per problem (how it was rendered: object: field: message)
// and a summary; exits 1 when there is a problem.
//
// known_failures.txt lists problems of the current render code that are
// known and still to be fixed, as "app: problem" (a FAIL line without the
// command before the app): they print as XFAIL, in every command and mode,
// and do not fail the step. A listed problem that no longer occurs in any run
// of its app fails the step, so the list only shrinks.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawn, spawnSync } = require("child_process");
const YAML = require("yaml");
const { Validator, objectsOf, identity } = require("./validate.js");

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const k of ["gitcanary", "source", "schemas"]) if (!out[k]) throw new Error(`--${k} is required`);
  return out;
}

const opts = args();
const source = path.resolve(opts.source);
const gitcanary = path.resolve(opts.gitcanary);
const helm = opts.helm ? path.resolve(opts.helm) : null;
const fixtures = path.resolve(source, "../shared/fixtures");
const kubectl = spawnSync("sh", ["-c", "command -v kubectl"], { encoding: "utf8" }).stdout.trim() || null;
const validator = new Validator(opts.schemas);
const work = fs.mkdtempSync(path.join(os.tmpdir(), "gitcanary-schema-"));
process.on("exit", () => fs.rmSync(work, { recursive: true, force: true }));

// Helm and gitcanary on PATH for kustomize's and generate's own runs.
const toolsBin = path.join(work, "bin");
fs.mkdirSync(toolsBin);
fs.symlinkSync(gitcanary, path.join(toolsBin, "gitcanary"));
if (helm) fs.symlinkSync(helm, path.join(toolsBin, "helm"));
const baseEnv = { ...process.env, PATH: `${toolsBin}:${process.env.PATH}` };

// Runs argv to its end (killed after 120 s): { code, out, err }.
function run(argv, { input = "", cwd = source, env = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(argv[0], argv.slice(1), { cwd, env: { ...baseEnv, ...env } });
    const out = [];
    const err = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), 120000);
    child.stdout.on("data", (d) => out.push(d));
    child.stderr.on("data", (d) => err.push(d));
    child.stdin.on("error", () => {});
    child.on("error", (e) => err.push(Buffer.from(String(e))));
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out: Buffer.concat(out).toString("utf8"), err: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.end(input);
  });
}

function firstLine(text) {
  return (text.trim().split("\n")[0] || "").slice(0, 300);
}

// --- The apps ---------------------------------------------------------------

// What a directory holds: "chart", "kustomization", "component", or "plain".
function layout(dir) {
  if (fs.existsSync(path.join(dir, "Chart.yaml"))) return "chart";
  for (const f of ["kustomization.yaml", "kustomization.yml", "Kustomization"]) {
    const file = path.join(dir, f);
    if (fs.existsSync(file)) return /^kind:\s*Component\b/m.test(fs.readFileSync(file, "utf8")) ? "component" : "kustomization";
  }
  return "plain";
}

function yamlFiles(dir) {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== "gitcanary.yaml" && fs.statSync(path.join(dir, f)).isFile())
    .sort();
}

// Every app of examples/: each top-level directory with manifests, a
// kustomization, a chart or a gitcanary.yaml (examples/monorepo, rendered
// whole), and below them every kustomization and every directory with
// manifests of its own (the apps of examples/monorepo, the overlays), but no
// subchart, no chart below the top and no kustomize Component.
function exampleApps() {
  const root = path.join(source, "examples");
  const apps = [];
  const walk = (dir, top) => {
    const kind = layout(dir);
    if (kind === "component") return;
    // A chart below the top of an example is the source of a HelmRelease
    // (examples/flux-helmrelease/chart), not an app.
    if (kind === "chart" && !top) return;
    const own = kind !== "plain" || yamlFiles(dir).length > 0 || (top && fs.existsSync(path.join(dir, "gitcanary.yaml")));
    if (own) apps.push({ dir, kind, example: true });
    if (kind === "chart") return;
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)))
      if (e.isDirectory()) walk(path.join(dir, e.name), false);
  };
  for (const e of fs.readdirSync(root, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)))
    if (e.isDirectory()) walk(path.join(root, e.name), true);
  return apps;
}

// The trees of ../shared/fixtures, and the apps of tests/schema/apps, which
// put a Canary over fixture manifests (each lists them in FILES).
function fixtureApps() {
  const apps = [];
  if (!fs.existsSync(fixtures)) return apps;
  for (const name of fs.readdirSync(fixtures).sort()) {
    const dir = path.join(fixtures, name);
    if (name === "schemas" || !fs.statSync(dir).isDirectory()) continue;
    const kind = layout(dir);
    if (kind === "plain" && yamlFiles(dir).length === 0) {
      for (const sub of fs.readdirSync(dir).sort())
        if (fs.statSync(path.join(dir, sub)).isDirectory()) apps.push({ dir: path.join(dir, sub), kind: layout(path.join(dir, sub)) });
    } else {
      apps.push({ dir, kind });
    }
  }
  const own = path.join(source, "tests/schema/apps");
  for (const name of fs.readdirSync(own).sort()) {
    const dir = path.join(work, "apps", name);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of fs.readdirSync(path.join(own, name))) {
      if (f === "FILES") continue;
      fs.copyFileSync(path.join(own, name, f), path.join(dir, f));
    }
    for (const f of fs.readFileSync(path.join(own, name, "FILES"), "utf8").split("\n").filter((l) => l && !l.startsWith("#")))
      fs.copyFileSync(path.join(fixtures, f), path.join(dir, path.basename(f)));
    apps.push({ dir, kind: "plain", label: `tests/schema/apps/${name}`, example: true });
  }
  return apps;
}

// The app's name in the output: its path in the repository, or
// shared/fixtures/... for a fixture tree.
function label(app) {
  if (app.label) return app.label;
  if (app.dir.startsWith(fixtures + "/")) return "shared/fixtures/" + path.relative(fixtures, app.dir);
  return path.relative(source, app.dir);
}

// The app's manifests as Helm or kustomize would hand them on: the chart's
// `helm template`, the kustomize build, else its files. null when unavailable.
async function manifests(app) {
  if (app.kind === "chart") {
    if (!helm) return { skip: "no helm" };
    const r = await run([helm, "template", path.basename(app.dir), app.dir]);
    return r.code === 0 ? { text: r.out } : { skip: `helm template failed: ${firstLine(r.err)}` };
  }
  if (app.kind === "kustomization") {
    if (!kubectl) return { skip: "no kubectl" };
    const r = await run([kubectl, "kustomize", app.dir]);
    return r.code === 0 ? { text: r.out } : { skip: `kubectl kustomize failed: ${firstLine(r.err)}` };
  }
  return { text: yamlFiles(app.dir).map((f) => fs.readFileSync(path.join(app.dir, f), "utf8")).join("\n---\n") };
}

// The gitcanary.yaml render would use: the nearest one at or above the app.
function configOf(app) {
  for (let dir = app.dir; dir.startsWith(source) || dir.startsWith(work) || dir.startsWith(fixtures); dir = path.dirname(dir)) {
    const file = path.join(dir, "gitcanary.yaml");
    if (fs.existsSync(file)) return file;
    if (dir === path.dirname(dir)) break;
  }
  return null;
}

// --- Checks -------------------------------------------------------------------

const failures = [];
const skipped = [];
let checkedObjects = 0;
let checkedRuns = 0;

// A problem of a run: how names the run and ends with the app's name; the
// problem is listed in known_failures.txt as "app: text", for every run.
function fail(how, text) {
  const app = how.slice(how.lastIndexOf(" ") + 1);
  failures.push({ line: `${how}: ${text}`, key: `${app}: ${text}`, app });
}

const ranApps = new Set();
const ran = new Set();
function check(how, stream) {
  checkedRuns++;
  ran.add(how);
  ranApps.add(how.slice(how.lastIndexOf(" ") + 1));
  let objects;
  try {
    objects = objectsOf(stream);
  } catch (e) {
    fail(how, `output is not YAML: ${e.message}`);
    return;
  }
  if (objects.length === 0) fail(how, `no objects`);
  for (const obj of objects) {
    checkedObjects++;
    for (const p of validator.problems(obj)) fail(how, `${identity(obj)}: ${p.pointer || "/"}: ${p.message}`);
  }
  for (const p of endpointProblems(objects)) fail(how, `${p}`);
}

// Services of the output that select no pod of a workload of the same output
// (they would have no endpoints), in the namespace each object lands in.
function endpointProblems(objects) {
  const ns = (o) => (o.metadata && o.metadata.namespace) || "";
  const templates = objects
    .filter((o) => o && o.apiVersion === "apps/v1" && ["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind))
    .map((o) => ({ ns: ns(o), labels: (((o.spec || {}).template || {}).metadata || {}).labels || {} }));
  // A Flux HelmRelease's chart renders its Deployments in the cluster; the pod
  // labels that its kustomize post-renderers add are what Services may select.
  for (const hr of objects.filter((o) => o && o.kind === "HelmRelease" && /^helm\.toolkit\.fluxcd\.io\//.test(o.apiVersion)))
    for (const pr of (hr.spec || {}).postRenderers || [])
      for (const p of ((pr || {}).kustomize || {}).patches || []) {
        if (!p || !p.target || p.target.kind !== "Deployment" || typeof p.patch !== "string") continue;
        const doc = YAML.parse(p.patch);
        const labels = doc && doc.spec && doc.spec.template && doc.spec.template.metadata && doc.spec.template.metadata.labels;
        if (labels) templates.push({ ns: ns(hr), labels });
      }
  const out = [];
  for (const svc of objects) {
    if (!svc || svc.apiVersion !== "v1" || svc.kind !== "Service") continue;
    const selector = (svc.spec || {}).selector;
    if (!selector || Object.keys(selector).length === 0 || (svc.spec || {}).type === "ExternalName") continue;
    const selects = (t) => t.ns === ns(svc) && Object.entries(selector).every(([k, v]) => t.labels[k] === v);
    if (!templates.some(selects))
      out.push(`${identity(svc)}: /spec/selector: selects no pods of the rendered workloads (${JSON.stringify(selector)}): the Service would have no endpoints`);
  }
  return out;
}

// A gitcanary run that must succeed for an example; for a fixture tree a
// refusal is a skip.
function outcome(app, how, r) {
  if (r.code === 0) return true;
  if (app.example) fail(how, `exit ${r.code}: ${firstLine(r.err)}`);
  else skipped.push(`${how}: exit ${r.code}: ${firstLine(r.err)}`);
  return false;
}

const apps = [...exampleApps(), ...fixtureApps()].filter((app) => !opts.only || label(app) === opts.only);
if (apps.length === 0) throw new Error(`no app ${opts.only}`);

// examples/ as Argo CD's cmp-server extracts it, for generate.
const extracted = path.join(work, "repo");
fs.cpSync(path.join(source, "examples"), extracted, { recursive: true });

const pluginEnv = {
  KUSTOMIZE_PLUGIN_HOME: path.join(source, "deploy/kustomize-plugin"),
  GITCANARY: gitcanary,
};

async function checkApp(app) {
  const name = label(app);
  const exec = app.kind === "kustomization" && /^transformers:/m.test(fs.readFileSync(path.join(app.dir, "kustomization.yaml"), "utf8"));
  if (app.kind === "chart" && !helm) {
    skipped.push(`${name}: no helm to build the chart`);
    return;
  }
  if (exec)
    skipped.push(
      `render, generate, post-render ${name}: its kustomization runs gitcanary as a transformer (checked below through ` +
        "kubectl kustomize), so there is no app to render apart from it"
    );
  for (const mode of ["git", "flagger"]) {
    if (exec) break;
    // render
    {
      const how = `render --mode ${mode} ${name}`;
      const argv = [gitcanary, "render", app.dir, "--mode", mode];
      if (helm) argv.push("--helm", helm);
      const r = await run(argv);
      if (outcome(app, how, r)) check(how, r.out);
      // The same as JSON (one v1 List), for the examples.
      if (app.example && r.code === 0) {
        const jsonHow = `render --mode ${mode} -o json ${name}`;
        const j = await run([...argv, "-o", "json"]);
        if (outcome(app, jsonHow, j)) check(jsonHow, j.out);
      }
    }
    // generate, for the apps of examples/ (Argo CD's source path in the repo)
    if (app.dir.startsWith(path.join(source, "examples") + "/")) {
      const rel = path.relative(path.join(source, "examples"), app.dir);
      const how = `generate (mode ${mode}) examples/${rel}`;
      const env = {
        ARGOCD_APP_NAME: path.basename(app.dir),
        ARGOCD_APP_NAMESPACE: "schema-check",
        ARGOCD_APP_REVISION: "4f2d8c0e9a1b7d3c5e6f8a9b0c1d2e3f4a5b6c7d",
        ARGOCD_APP_REVISION_SHORT: "4f2d8c0",
        ARGOCD_APP_SOURCE_PATH: rel,
        ARGOCD_APP_SOURCE_REPO_URL: "https://git.example.com/shop/deploy.git",
        ARGOCD_APP_SOURCE_TARGET_REVISION: "main",
        ARGOCD_APP_PARAMETERS: JSON.stringify([{ name: "mode", string: mode }]),
        KUBE_VERSION: "1.32.4",
        KUBE_API_VERSIONS: "v1,apps/v1,autoscaling/v2",
      };
      const r = await run([gitcanary, "generate"], { cwd: path.join(extracted, rel), env });
      if (outcome(app, how, r)) check(how, r.out);
    }
    // post-render and krm take the built manifests.
    const m = await manifests(app);
    if (m.skip) {
      if (mode === "git") skipped.push(`post-render, krm ${name}: ${m.skip}`);
      continue;
    }
    if (!m.text.trim()) continue; // a tree of apps with no manifests of its own
    const config = configOf(app);
    {
      const how = `post-render --mode ${mode} ${name}`;
      const argv = [gitcanary, "post-render", "--mode", mode];
      if (config) argv.push("--config", config);
      const r = await run(argv, { input: m.text });
      if (outcome(app, how, r)) check(how, r.out);
    }
    if (/gitcanary\.io\/canary-template:/.test(m.text)) {
      if (mode === "git") skipped.push(`krm ${name}: its Canary comes from a gitcanary.yaml template, and krm reads no gitcanary.yaml`);
    } else {
      const how = `krm (mode ${mode}) ${name}`;
      let items;
      try {
        items = objectsOf(m.text);
      } catch (e) {
        skipped.push(`${how}: input is not YAML: ${e.message}`);
        continue;
      }
      const list = {
        apiVersion: "config.kubernetes.io/v1",
        kind: "ResourceList",
        items,
        functionConfig: { apiVersion: "gitcanary.io/v1alpha1", kind: "CanaryRender", metadata: { name: "canary" }, spec: { mode } },
      };
      const r = await run([gitcanary, "krm"], { input: YAML.stringify(list) });
      if (outcome(app, how, r)) {
        let out;
        try {
          out = YAML.parse(r.out);
        } catch (e) {
          fail(how, `output is not YAML: ${e.message}`);
          continue;
        }
        if (!out || out.kind !== "ResourceList" || !Array.isArray(out.items)) fail(how, `output is not a ResourceList`);
        else check(how, out.items.map((i) => "---\n" + YAML.stringify(i)).join(""));
      }
    }
  }
  // The kustomize exec plugin, as the real kubectl runs it.
  if (exec) {
    const how = `kubectl kustomize --enable-alpha-plugins (krm exec plugin) ${name}`;
    if (!kubectl) skipped.push(`${how}: no kubectl`);
    else {
      const r = await run([kubectl, "kustomize", "--enable-alpha-plugins", app.dir], { env: pluginEnv });
      if (outcome(app, how, r)) check(how, r.out);
    }
  }
}

// The apps, as many at a time as there are processors.
async function checkAll() {
  let next = 0;
  const worker = async () => {
    while (next < apps.length) await checkApp(apps[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, os.cpus().length) }, worker));
}

// The manifests under deploy/ that users apply as they are: the builds of
// deploy/argocd/serve and deploy/flux/serve, and the example Secret.
async function checkDeploy() {
  if (opts.only) return;
  for (const dir of ["deploy/argocd/serve", "deploy/flux/serve"]) {
    const how = `kubectl kustomize ${dir}`;
    if (!kubectl) {
      skipped.push(`${how}: no kubectl`);
      continue;
    }
    const r = await run([kubectl, "kustomize", path.join(source, dir)]);
    if (r.code !== 0) fail(how, `kubectl kustomize failed: ${firstLine(r.err)}`);
    else check(how, r.out);
  }
  const example = "deploy/argocd/serve/secret.example.yaml";
  check(`file ${example}`, fs.readFileSync(path.join(source, example), "utf8"));
}

function report() {
failures.sort((a, b) => (a.line < b.line ? -1 : a.line > b.line ? 1 : 0));
skipped.sort();
const known = new Set(
  fs
    .readFileSync(path.join(__dirname, "known_failures.txt"), "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
);
const found = new Set(failures.map((f) => f.key));
const newFailures = failures.filter((f) => !known.has(f.key));
const fixed = [...known].filter((k) => !found.has(k) && [...ranApps].some((app) => k.startsWith(app + ": ")));
for (const s of skipped) console.log(`SKIP ${s}`);
for (const f of failures) if (known.has(f.key)) console.log(`XFAIL ${f.line}`);
for (const f of fixed) console.log(`FIXED ${f}  (remove it from tests/schema/known_failures.txt)`);
for (const f of newFailures) console.log(`FAIL ${f.line}`);
console.log(
  `schema: ${checkedObjects} objects from ${checkedRuns} runs over ${apps.length} apps; ` +
    `${newFailures.length} problems, ${failures.length - newFailures.length} known (known_failures.txt), ` +
    `${fixed.length} known but gone, ${skipped.length} skipped`
);
process.exit(newFailures.length || fixed.length ? 1 : 0);
}

checkAll()
  .then(checkDeploy)
  .then(report, (e) => {
    console.error(e);
    process.exit(1);
  });
