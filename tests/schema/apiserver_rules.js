// The checks the Kubernetes API server makes beyond the OpenAPI schemas, for
// the objects gitcanary writes: names (a Service's name is a DNS-1035 label,
// other objects' a DNS-1123 subdomain, a namespace a DNS-1123 label), label
// and annotation keys and label values (63 characters at most), container
// names and port names, Service port names (required and unique when there
// are several), and a Deployment's selector matching its pod labels.
"use strict";

const dns1123Label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1035Label = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const dns1123Subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function label(value, what) {
  if (typeof value !== "string") return null;
  if (value.length > 63) return `${what} must be at most 63 characters (${value.length})`;
  return dns1123Label.test(value) ? null : `${what} must be a lowercase DNS-1123 label`;
}

function serviceName(value) {
  if (typeof value !== "string") return null;
  if (value.length > 63) return `a Service name must be at most 63 characters (${value.length})`;
  return dns1035Label.test(value) ? null : "a Service name must be a DNS-1035 label (a lowercase letter first)";
}

function subdomain(value, what) {
  if (typeof value !== "string") return null;
  if (value.length > 253) return `${what} must be at most 253 characters (${value.length})`;
  return dns1123Subdomain.test(value) ? null : `${what} must be a lowercase DNS-1123 subdomain`;
}

function qualifiedName(key) {
  const slash = key.indexOf("/");
  const [prefix, name] = slash < 0 ? [null, key] : [key.slice(0, slash), key.slice(slash + 1)];
  if (prefix !== null && (prefix.length === 0 || subdomain(prefix, "prefix"))) return "its prefix must be a DNS-1123 subdomain";
  if (name.length === 0 || name.length > 63) return "its name part must be 1 to 63 characters";
  return qualifiedNamePart.test(name) ? null : "its name part must be alphanumeric, '-', '_' or '.', alphanumeric at both ends";
}

// IANA service name, as a container port name must be.
function portName(value) {
  if (typeof value !== "string") return null;
  if (value.length > 15) return `a container port name must be at most 15 characters (${value.length})`;
  if (!/^[-a-z0-9]+$/.test(value)) return "a container port name must be lowercase letters, digits and '-'";
  if (!/[a-z]/.test(value)) return "a container port name must hold a letter";
  if (value.startsWith("-") || value.endsWith("-") || value.includes("--"))
    return "a container port name must not start or end with '-' nor hold '--'";
  return null;
}

function labelsProblems(labels, pointer, out) {
  if (!labels || typeof labels !== "object") return;
  for (const [key, value] of Object.entries(labels)) {
    const bad = qualifiedName(key);
    if (bad) out.push({ pointer: `${pointer}/${key}`, message: `label key: ${bad}` });
    if (typeof value === "string" && (value.length > 63 || !labelValue.test(value)))
      out.push({
        pointer: `${pointer}/${key}`,
        message:
          value.length > 63
            ? `a label value must be at most 63 characters (${value.length})`
            : "a label value must be alphanumeric, '-', '_' or '.', alphanumeric at both ends",
      });
  }
}

function metadataProblems(metadata, pointer, out, isService) {
  if (!metadata || typeof metadata !== "object") return;
  if (metadata.name !== undefined) {
    const bad = isService ? serviceName(metadata.name) : subdomain(metadata.name, "a name");
    if (bad) out.push({ pointer: `${pointer}/name`, message: bad });
  }
  if (metadata.namespace !== undefined) {
    const bad = label(metadata.namespace, "a namespace");
    if (bad) out.push({ pointer: `${pointer}/namespace`, message: bad });
  }
  labelsProblems(metadata.labels, `${pointer}/labels`, out);
  for (const key of Object.keys(metadata.annotations || {})) {
    const bad = qualifiedName(key);
    if (bad) out.push({ pointer: `${pointer}/annotations/${key}`, message: `annotation key: ${bad}` });
  }
}

function selectorProblems(selector, pointer, out) {
  if (selector && typeof selector === "object") labelsProblems(selector.matchLabels, `${pointer}/matchLabels`, out);
}

function podSpecProblems(spec, pointer, out) {
  if (!spec || typeof spec !== "object") return;
  for (const field of ["initContainers", "containers"]) {
    (Array.isArray(spec[field]) ? spec[field] : []).forEach((c, i) => {
      if (!c || typeof c !== "object") return;
      const bad = label(c.name, "a container name");
      if (bad) out.push({ pointer: `${pointer}/${field}/${i}/name`, message: bad });
      (Array.isArray(c.ports) ? c.ports : []).forEach((p, j) => {
        const badPort = p && portName(p.name);
        if (badPort) out.push({ pointer: `${pointer}/${field}/${i}/ports/${j}/name`, message: badPort });
      });
    });
  }
}

// A workload's spec with a selector and a pod template: the names and labels
// inside, and the selector matching the template's labels.
function workloadProblems(spec, out) {
  if (!spec || typeof spec !== "object") return;
  selectorProblems(spec.selector, "/spec/selector", out);
  const template = spec.template || {};
  metadataProblems({ labels: (template.metadata || {}).labels }, "/spec/template/metadata", out, false);
  podSpecProblems(template.spec, "/spec/template/spec", out);
  const match = (spec.selector || {}).matchLabels || {};
  const labels = (template.metadata || {}).labels || {};
  for (const [key, value] of Object.entries(match))
    if (labels[key] !== value)
      out.push({ pointer: `/spec/selector/matchLabels/${key}`, message: `the selector does not match the template's labels (${key}: ${JSON.stringify(labels[key])})` });
}

function serviceProblems(spec, out) {
  if (!spec || typeof spec !== "object") return;
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  const seen = new Set();
  ports.forEach((p, i) => {
    if (!p || typeof p !== "object") return;
    if (p.name === undefined || p.name === "") {
      if (ports.length > 1) out.push({ pointer: `/spec/ports/${i}/name`, message: "a Service with several ports must name each" });
      return;
    }
    const bad = label(p.name, "a Service port name");
    if (bad) out.push({ pointer: `/spec/ports/${i}/name`, message: bad });
    if (seen.has(p.name)) out.push({ pointer: `/spec/ports/${i}/name`, message: `duplicate port name ${JSON.stringify(p.name)}` });
    seen.add(p.name);
    if (typeof p.targetPort === "string") {
      const badTarget = portName(p.targetPort);
      if (badTarget) out.push({ pointer: `/spec/ports/${i}/targetPort`, message: badTarget.replace("a container port name", "a named targetPort") });
    }
  });
  labelsProblems(spec.selector, "/spec/selector", out);
}

// The problems of obj the API server would refuse it for, beyond its schema.
function apiServerProblems(obj) {
  const out = [];
  const isService = obj.apiVersion === "v1" && obj.kind === "Service";
  metadataProblems(obj.metadata, "/metadata", out, isService);
  if (isService) serviceProblems(obj.spec, out);
  if (["apps/v1 Deployment", "apps/v1 StatefulSet", "apps/v1 DaemonSet", "apps/v1 ReplicaSet"].includes(`${obj.apiVersion} ${obj.kind}`))
    workloadProblems(obj.spec, out);
  return out;
}

module.exports = { apiServerProblems };
