// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// Checks Kubernetes manifests: each document against the Kubernetes OpenAPI
// schema (kubernetes-models validates with the API's JSON schema), then the
// DaemonSet against the least-privilege rules of docs/kubernetes.md.
// usage: node validate.mjs FILE.yaml...   (exit 1 with one line per problem)
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { DaemonSet } from "kubernetes-models/apps/v1/DaemonSet";

const models = { "apps/v1/DaemonSet": DaemonSet };
const problems = [];
const say = (file, msg) => problems.push(`${file}: ${msg}`);

function checkDaemonSet(file, ds) {
  const pod = ds.spec.template.spec;
  if (!pod.hostPID) say(file, "hostPID must be true (task ids are the host's)");
  if (pod.hostNetwork) say(file, "hostNetwork is not needed");
  if (pod.containers.length !== 1) say(file, "one container expected");
  const c = pod.containers[0];
  const sc = c.securityContext || {};
  if (sc.privileged !== false) say(file, "privileged must be false");
  if (sc.allowPrivilegeEscalation !== false) say(file, "allowPrivilegeEscalation must be false");
  if (sc.readOnlyRootFilesystem !== true) say(file, "readOnlyRootFilesystem must be true");
  const caps = sc.capabilities || {};
  if (JSON.stringify(caps.drop) !== JSON.stringify(["ALL"])) say(file, "capabilities must drop ALL");
  const allowed = new Set(["BPF", "PERFMON", "SYS_RESOURCE"]);
  for (const cap of caps.add || [])
    if (!allowed.has(cap)) say(file, `capability ${cap} is more than schedrift needs`);
  for (const need of ["BPF", "PERFMON"])
    if (!(caps.add || []).includes(need)) say(file, `capability ${need} is needed`);
  for (const probe of ["livenessProbe", "readinessProbe"]) {
    const p = c[probe];
    if (!p || !p.httpGet || p.httpGet.path !== "/metrics") say(file, `${probe} must GET /metrics`);
    else if (!(c.ports || []).some((port) => port.name === p.httpGet.port || port.containerPort === p.httpGet.port))
      say(file, `${probe} port ${p.httpGet.port} is not a container port`);
  }
  const volumes = Object.fromEntries((pod.volumes || []).map((v) => [v.name, v]));
  const mounts = Object.fromEntries((c.volumeMounts || []).map((m) => [m.mountPath, m]));
  const textfile = Object.values(mounts).find((m) => volumes[m.name]?.hostPath?.path?.includes("textfile"));
  if (!textfile) say(file, "no hostPath for the textfile directory");
  const dir = (c.args || []).find((a) => a.startsWith("--metrics-dir="));
  if (!dir || !textfile || dir.split("=")[1] !== textfile.mountPath)
    say(file, "--metrics-dir is not the textfile mount");
  for (const [path, m] of Object.entries(mounts)) {
    const v = volumes[m.name];
    if (!v) say(file, `mount ${path} names no volume`);
    else if (v.hostPath && m !== textfile && m.readOnly !== true)
      say(file, `host path ${v.hostPath.path} is mounted writable`);
  }
  for (const path of ["/sys/kernel/btf", "/sys/fs/cgroup"])
    if (!mounts[path]) say(file, `${path} is not mounted`);
}

for (const file of process.argv.slice(2)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  if (!docs.length) say(file, "no document");
  for (const doc of docs) {
    if (doc.errors.length) {
      say(file, `YAML: ${doc.errors[0].message}`);
      continue;
    }
    const obj = doc.toJS();
    const Model = models[`${obj.apiVersion}/${obj.kind}`];
    if (!Model) {
      say(file, `no schema here for ${obj.apiVersion} ${obj.kind}`);
      continue;
    }
    try {
      new Model(obj).validate();
    } catch (e) {
      say(file, `schema: ${e.message.split("\n")[0]}`);
      continue;
    }
    if (obj.kind === "DaemonSet") checkDaemonSet(file, obj);
    console.log(`ok: ${file}: ${obj.kind} ${obj.metadata.name} matches the schema and the rules`);
  }
}
for (const p of problems) console.log(`FAIL: ${p}`);
process.exit(problems.length ? 1 : 0);
