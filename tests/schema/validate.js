// Validates Kubernetes objects against the upstream schemas, with unknown
// fields refused at any depth:
// - Kubernetes core kinds with the npm package kubernetes-models (the
//   Kubernetes OpenAPI schemas, compiled). Its validators accept unknown
//   fields, so each object is handed to them behind a Proxy that records which
//   property names the validator looks up: a validator of a schema that lists
//   properties looks every listed name up, so a key it never looked up is not
//   in the schema. Maps (labels, data) are enumerated by the validator and
//   free-form objects (RawExtension) are not looked into at all; both accept
//   any key, as the API server does.
// - Custom resources (Flagger, Istio, Gateway API, SMI) with the
//   openAPIV3Schema of the served version of their CRD in a schemas directory,
//   through ajv, with additionalProperties: false added wherever a schema lists
//   properties and does not say x-kubernetes-preserve-unknown-fields. Their
//   metadata is checked as ObjectMeta, as the API server does.
// - On top, the names and labels the API server refuses (apiserver_rules.js).
// - A kind with no schema is an error, unless it is in NO_SCHEMA below with
//   the reason it may go unchecked.
//
// As a command: node validate.js SCHEMA_DIR FILE... validates every object of
// the YAML streams (a v1 List's items one by one), prints one line per
// problem and exits 1 when there is any.
"use strict";

const fs = require("fs");
const path = require("path");
const YAML = require("yaml");
const Ajv = require("ajv");
const addFormats = require("ajv-formats");
const { apiServerProblems } = require("./apiserver_rules.js");

// apiVersion/kind without a schema that may appear in checked output, and why.
const NO_SCHEMA = {
  "helm.toolkit.fluxcd.io/v2 HelmRelease":
    "examples/flux-helmrelease renders Flux HelmReleases (the user's and its -primary copy); no Flux schema is " +
    "among the pinned ones (the real-Helm tests check what their charts render)",
  "source.toolkit.fluxcd.io/v1 HelmRepository":
    "examples/flux-helmrelease passes the chart's Flux HelmRepository through untouched; no Flux schema is among " +
    "the pinned ones",
  "argoproj.io/v1alpha1 Application":
    "Argo CD's app-of-apps fixture (argocd-example-apps/apps) renders Applications; gitcanary passes them through " +
    "untouched and no Argo CD schema is among the pinned ones",
  "apps.kurator.dev/v1alpha1 Application":
    "examples/kurator-rollout and kurator's rollout examples hold Kurator Applications; gitcanary keeps them, " +
    "without syncPolicies[].rollout, and no Kurator schema is among the pinned ones",
};

// ---------------------------------------------------------------------------
// Kubernetes core kinds: kubernetes-models.

// The model class of apiVersion/kind in kubernetes-models, or null.
const modelCache = new Map();
function coreModel(apiVersion, kind) {
  const key = apiVersion + " " + kind;
  if (modelCache.has(key)) return modelCache.get(key);
  let model = null;
  if (/^[a-z0-9.-]*\/?v[0-9a-z]+$/.test(apiVersion) && /^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    try {
      const mod = require(`kubernetes-models/${apiVersion}/${kind}`);
      const cls = mod[kind];
      if (cls && cls.apiVersion === apiVersion && cls.kind === kind) model = cls;
    } catch (e) {
      if (e.code !== "MODULE_NOT_FOUND" && e.code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw e;
    }
  }
  modelCache.set(key, model);
  return model;
}

// A copy of value in which every object is a Proxy recording, in records, the
// property names looked up and whether its keys were enumerated.
function tracked(value, pointer, records) {
  if (value === null || typeof value !== "object") return value;
  const rec = { pointer, value, looked: new Set(), enumerated: false };
  records.push(rec);
  const inner = Array.isArray(value)
    ? value.map((v, i) => tracked(v, `${pointer}/${i}`, records))
    : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tracked(v, `${pointer}/${pointerToken(k)}`, records)]));
  return new Proxy(inner, {
    get(target, key, receiver) {
      if (typeof key === "string") rec.looked.add(key);
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === "string") rec.looked.add(key);
      return Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      if (typeof key === "string") rec.looked.add(key);
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    ownKeys(target) {
      rec.enumerated = true;
      return Reflect.ownKeys(target);
    },
  });
}

function pointerToken(key) {
  return String(key).replace(/~/g, "~0").replace(/\//g, "~1");
}

// Problems of value under a kubernetes-models validate function (the
// prototype's validate of a model class), unknown fields included.
function modelProblems(validateMethod, value, prefix) {
  const records = [];
  const proxy = tracked(value, "", records);
  const problems = [];
  try {
    validateMethod.call(proxy);
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    for (const err of e.errors) problems.push({ pointer: prefix + err.instancePath, message: ajvMessage(err) });
  }
  for (const rec of records) {
    if (Array.isArray(rec.value) || rec.enumerated || rec.looked.size === 0) continue;
    for (const key of Object.keys(rec.value))
      if (!rec.looked.has(key)) problems.push({ pointer: `${prefix}${rec.pointer}/${pointerToken(key)}`, message: "unknown field" });
  }
  return problems;
}

let objectMetaValidate = null;
function metadataProblems(metadata) {
  if (!objectMetaValidate) {
    const { ObjectMeta } = require("@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta");
    objectMetaValidate = ObjectMeta.prototype.validate;
  }
  if (metadata === undefined) return [{ pointer: "/metadata", message: "missing" }];
  return modelProblems(objectMetaValidate, metadata, "/metadata");
}

// ---------------------------------------------------------------------------
// Custom resources: CRD schemas through ajv.

// The openAPIV3Schema made strict: additionalProperties false wherever
// properties are listed without x-kubernetes-preserve-unknown-fields, and
// int-or-string spelled out for ajv.
function strictSchema(schema) {
  if (Array.isArray(schema)) return schema.map(strictSchema);
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "properties") {
      out.properties = {};
      for (const [name, sub] of Object.entries(v)) out.properties[name] = strictSchema(sub);
    } else if (k === "enum" || k === "default" || k === "example" || k === "required" || k === "x-kubernetes-validations") {
      out[k] = v;
    } else {
      out[k] = strictSchema(v);
    }
  }
  if (out.properties && !out["x-kubernetes-preserve-unknown-fields"] && out.additionalProperties === undefined)
    out.additionalProperties = false;
  if (out["x-kubernetes-int-or-string"] && !out.anyOf && !out.oneOf && out.type === undefined)
    out.anyOf = [{ type: "integer" }, { type: "string" }];
  // The API server does not apply defaults or examples as constraints.
  delete out.default;
  delete out.example;
  return out;
}

function makeAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, verbose: true });
  addFormats(ajv);
  const intIn = (lo, hi) => ({ type: "number", validate: (n) => Number.isInteger(n) && n >= lo && n <= hi });
  ajv.addFormat("int32", intIn(-2147483648, 2147483647));
  ajv.addFormat("uint32", intIn(0, 4294967295));
  ajv.addFormat("int64", { type: "number", validate: (n) => Number.isInteger(n) });
  ajv.addFormat("uint64", { type: "number", validate: (n) => Number.isInteger(n) && n >= 0 });
  ajv.addFormat("double", { type: "number", validate: () => true });
  ajv.addFormat("float", { type: "number", validate: () => true });
  ajv.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
  ajv.addFormat("string", true);
  return ajv;
}

// Every served version of every CRD in the .yaml files of dir:
// Map "group/version Kind" -> { validate (ajv), source }.
function loadCrds(dir) {
  const ajv = makeAjv();
  const crds = new Map();
  for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8"))) {
      const crd = doc.toJS();
      if (!crd || crd.kind !== "CustomResourceDefinition") continue;
      for (const version of crd.spec.versions || []) {
        if (!version.served || !version.schema || !version.schema.openAPIV3Schema) continue;
        const schema = strictSchema(version.schema.openAPIV3Schema);
        // apiVersion, kind and metadata are always allowed at the root (the
        // API server checks them itself); metadata is ObjectMeta, checked with
        // kubernetes-models.
        if (schema.properties) Object.assign(schema.properties, { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: {} });
        const key = `${crd.spec.group}/${version.name} ${crd.spec.names.kind}`;
        let compiled = null;
        crds.set(key, {
          source: file,
          get validate() {
            if (!compiled) compiled = ajv.compile(schema);
            return compiled;
          },
        });
      }
    }
  }
  return crds;
}

// An alternative of a oneOf or anyOf, in words: "{interval, stepWeight} set",
// or its JSON.
function alternative(schema) {
  const keys = Object.keys(schema);
  if (keys.length === 1 && keys[0] === "required") return `{${schema.required.join(", ")}} set`;
  if (keys.length === 1 && keys[0] === "not" && Object.keys(schema.not).join() === "anyOf")
    return `none of ${schema.not.anyOf.map(alternative).join(", ")}`;
  return JSON.stringify(schema);
}

// ajv's errors without the errors of the alternatives of a failed oneOf or
// anyOf, which that oneOf's own error sums up.
function withoutAlternatives(errors) {
  const groups = errors.filter((e) => e.keyword === "oneOf" || e.keyword === "anyOf").map((e) => e.schemaPath + "/");
  return errors.filter((e) => !groups.some((g) => e.schemaPath.startsWith(g)));
}

function ajvMessage(err) {
  if ((err.keyword === "oneOf" || err.keyword === "anyOf") && Array.isArray(err.schema)) {
    const alternatives = err.schema.map(alternative).join(" | ");
    const passing = err.params && err.params.passingSchemas;
    return err.keyword === "oneOf"
      ? `must match exactly one of: ${alternatives}` + (passing ? ` (matches alternatives ${passing.map((i) => i + 1).join(" and ")})` : " (matches none)")
      : `must match one of: ${alternatives}`;
  }
  if (err.keyword === "enum") return `${err.message}: ${JSON.stringify(err.params.allowedValues)}`;
  if (err.keyword === "required") return `missing required field ${JSON.stringify(err.params.missingProperty)}`;
  if (err.message) return err.message;
  return `${err.keyword} ${JSON.stringify(err.params)}`;
}

// ---------------------------------------------------------------------------

class Validator {
  constructor(schemaDir) {
    this.crds = loadCrds(schemaDir);
  }

  // The problems of one object: [{ pointer, message }]; empty when valid.
  problems(obj) {
    if (obj === null || typeof obj !== "object" || Array.isArray(obj))
      return [{ pointer: "", message: "not an object" }];
    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== "string" || typeof kind !== "string")
      return [{ pointer: "", message: "apiVersion and kind must be strings" }];
    const key = `${apiVersion} ${kind}`;
    const model = coreModel(apiVersion, kind);
    if (model) {
      const problems = modelProblems(model.prototype.validate, obj, "");
      if (obj.metadata === undefined) problems.push({ pointer: "/metadata", message: "missing" });
      return problems.concat(apiServerProblems(obj));
    }
    const crd = this.crds.get(key);
    if (crd) {
      const problems = [];
      if (!crd.validate(obj))
        for (const err of withoutAlternatives(crd.validate.errors))
          problems.push(
            err.keyword === "additionalProperties"
              ? { pointer: `${err.instancePath}/${pointerToken(err.params.additionalProperty)}`, message: "unknown field" }
              : { pointer: err.instancePath, message: ajvMessage(err) }
          );
      problems.push(...metadataProblems(obj.metadata));
      return problems.concat(apiServerProblems(obj));
    }
    if (Object.prototype.hasOwnProperty.call(NO_SCHEMA, key)) return [];
    const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
    const sameKind = [...this.crds.keys()].filter((k) => k.endsWith(" " + kind) && k.startsWith(group + "/"));
    const hint = sameKind.length ? ` (schemas exist for ${sameKind.map((k) => k.split(" ")[0]).join(", ")})` : "";
    return [{ pointer: "", message: `no schema for ${key}${hint}` }];
  }
}

// YAML as kubectl, Argo CD and the API server read it (sigs.k8s.io/yaml, YAML
// 1.1): an unquoted yes, no, on, off, y or n is a boolean and 0777 is octal,
// so a string the renderer forgot to quote shows up as a wrong type. Like
// them, timestamps and base-60 numbers stay strings.
const yamlOptions = {
  version: "1.1",
  customTags: (tags) => tags.filter((t) => t.tag !== "tag:yaml.org,2002:timestamp" && t.format !== "TIME"),
};

// The objects of a YAML stream (a v1 List contributes its items); throws on a
// YAML error.
function objectsOf(text) {
  const out = [];
  for (const doc of YAML.parseAllDocuments(text, yamlOptions)) {
    if (doc.errors.length) throw new Error(doc.errors[0].message);
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue;
    if (obj && obj.apiVersion === "v1" && obj.kind === "List" && Array.isArray(obj.items)) out.push(...obj.items);
    else out.push(obj);
  }
  return out;
}

function identity(obj) {
  const m = (obj && obj.metadata) || {};
  return `${obj && obj.apiVersion} ${obj && obj.kind} ${m.namespace ? m.namespace + "/" : ""}${m.name}`;
}

module.exports = { Validator, objectsOf, identity, NO_SCHEMA };

if (require.main === module) {
  const [schemaDir, ...files] = process.argv.slice(2);
  if (!schemaDir || files.length === 0) {
    console.error("usage: node validate.js SCHEMA_DIR FILE...");
    process.exit(2);
  }
  const validator = new Validator(schemaDir);
  let bad = 0;
  let count = 0;
  for (const file of files) {
    for (const obj of objectsOf(fs.readFileSync(file, "utf8"))) {
      count++;
      for (const p of validator.problems(obj)) {
        bad++;
        console.log(`${file}: ${identity(obj)}: ${p.pointer || "/"}: ${p.message}`);
      }
    }
  }
  console.error(`validate: ${count} objects, ${bad} problems`);
  process.exit(bad ? 1 : 0);
}
