// The schema check's own test: every object of selftest/bad.yaml is refused
// for its reason (wrong field, wrong type, no schema, a name or label the API
// server refuses), every object of
// selftest/good.yaml passes, validate.js exits 1 and 0 on them, and a
// deliberately broken render (selftest/broken-gitcanary.sh, which adds an
// unknown field to every spec it prints) makes run.js fail.
//
//   node selftest.js --gitcanary BIN --source DIR --schemas DIR
"use strict";

const fs = require("fs");
const path = require("path");
const { spawnSync } = require("child_process");
const { Validator, objectsOf } = require("./validate.js");

const argv = process.argv.slice(2);
const opt = (name) => argv[argv.indexOf(`--${name}`) + 1];
const schemas = opt("schemas");
const here = __dirname;

// metadata.name of each bad object -> the problem it must have (field, message).
const expected = {
  "unknown-container-field": ["/spec/template/spec/containers/0/imagePullPolcy", "unknown field"],
  "string-port": ["/spec/ports/0/port", "must be integer"],
  "unknown-spec-field": ["/spec/minReplica", "unknown field"],
  "unknown-metadata-field": ["/metadata/label", "unknown field"],
  "unknown-route-field": ["/spec/http/0/retry", "unknown field"],
  "string-attempts": ["/spec/http/0/retries/attempts", "must be integer"],
  "unknown-subset-field": ["/spec/subsets/0/label", "unknown field"],
  "unknown-metric-field": ["/spec/analysis/metrics/0/thresholdRnage", "unknown field"],
  "fractional-interval": ["/spec/analysis/interval", "must match pattern"],
  "unknown-server-field": ["/spec/servers/0/tlsMode", "unknown field"],
  "unknown-rule-field": ["/spec/rules/0/weight", "unknown field"],
  "no-schema": ["", "no schema for example.com/v1 Widget"],
  "unserved-version": ["", "no schema for flagger.app/v1alpha3 Canary"],
  "step-weight-and-step-weights": ["/spec/analysis", "must match exactly one of"],
  "a-very-long-deployment-name-that-fills-most-of-the-dns-label-canary": ["/metadata/name", "at most 63 characters"],
  "long-label-value": ["/spec/template/metadata/labels/version", "at most 63 characters"],
  "selector-mismatch": ["/spec/selector/matchLabels/app", "does not match the template's labels"],
  "uppercase-port-name": ["/spec/template/spec/containers/0/ports/0/name", "lowercase"],
  "unnamed-port": ["/spec/ports/1/name", "must name each"],
  "unquoted-yes": ["/data/enabled", "must be string"],
};

let passed = 0;
const failed = [];
function expect(ok, what) {
  if (ok) passed++;
  else failed.push(what);
}

const validator = new Validator(schemas);
const bad = objectsOf(fs.readFileSync(path.join(here, "selftest/bad.yaml"), "utf8"));
expect(bad.length === Object.keys(expected).length, `bad.yaml has ${bad.length} objects, the table ${Object.keys(expected).length}`);
for (const obj of bad) {
  const name = obj.metadata.name;
  const want = expected[name];
  const got = validator.problems(obj);
  expect(
    want && got.length === 1 && got[0].pointer === want[0] && got[0].message.includes(want[1]),
    `bad ${name}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`
  );
}
for (const obj of objectsOf(fs.readFileSync(path.join(here, "selftest/good.yaml"), "utf8"))) {
  const got = validator.problems(obj);
  expect(got.length === 0, `good ${obj.kind} ${obj.metadata && obj.metadata.name}: ${JSON.stringify(got)}`);
}

function node(args, env = {}) {
  return spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
}
const cli = path.join(here, "validate.js");
expect(node([cli, schemas, path.join(here, "selftest/bad.yaml")]).status === 1, "validate.js exits 1 on bad.yaml");
expect(node([cli, schemas, path.join(here, "selftest/good.yaml")]).status === 0, "validate.js exits 0 on good.yaml");

// A render that prints an unknown field fails the step.
const broken = node(
  [path.join(here, "run.js"), "--gitcanary", path.join(here, "selftest/broken-gitcanary.sh"), "--source", opt("source"),
   "--schemas", schemas, "--only", "examples/podinfo"],
  { GITCANARY_REAL: path.resolve(opt("gitcanary")) }
);
expect(
  broken.status === 1 && /FAIL render --mode git examples\/podinfo: apps\/v1 Deployment .*\/spec\/deliberatelyUnknown: unknown field/.test(broken.stdout),
  `run.js with a broken render: exit ${broken.status}, output:\n${broken.stdout}${broken.stderr}`
);

for (const f of failed) console.log(`FAIL selftest: ${f}`);
console.log(`schema selftest: ${passed} passed, ${failed.length} failed`);
process.exit(failed.length ? 1 : 0);
