import { describe, expect, it } from "vitest";
import { LOCATE_MAX_BYTES, locateProblems } from "../../apps/shared/manifests/locate-problems";
import { parseYamlFiles } from "../../apps/shared/manifests/parse-yaml";
import { admit } from "../../apps/shared/admission/admit";

// As `kubectl create deployment web --image=nginx --dry-run=client -o yaml` prints it, plus
// what a hostile tenant adds: a privileged container and an AppArmor opt-out annotation.
const DEPLOYMENT = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels:
    app: web
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: web
      annotations:
        container.apparmor.security.beta.kubernetes.io/nginx: unconfined
    spec:
      containers:
      - image: nginx
        name: nginx
        resources: {}
        securityContext:
          privileged: true
status: {}
`;
const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
const limits = { maxDepth: 64, maxAliases: 100, maxDocuments: 100 };

const refusedProblems = (text: string) => {
  const files = [{ name: "web.yaml", text }];
  const parsed = parseYamlFiles(files, limits);
  expect(parsed.problems).toEqual([]);
  const verdict = admit("6f1c2b8e-1d2a-4c3b-9a7e-0c1d2e3f4a5b", parsed.documents);
  if (verdict.ok) throw new Error("expected a refusal");
  return { files, problems: verdict.problems };
};

describe("problems point at the field they name", () => {
  it("When a container in the second document is privileged, then the problem is at the line of `privileged`, not the object's first line", () => {
    const { files, problems } = refusedProblems(DEPLOYMENT);
    const before = problems.find((p) => p.rule === "pod-security/privileged");
    expect(before?.line).toBe(lineOf(DEPLOYMENT, "apiVersion: apps/v1"));
    const located = locateProblems(files, problems).find((p) => p.rule === "pod-security/privileged");
    expect(located).toMatchObject({ document: 2, line: lineOf(DEPLOYMENT, "privileged: true") });
  });

  it("When the path runs through a key with dots (an annotation), then it still finds the annotation's line", () => {
    const { files, problems } = refusedProblems(DEPLOYMENT);
    const apparmor = locateProblems(files, problems).find((p) => p.path?.includes("apparmor"));
    expect(apparmor?.line).toBe(lineOf(DEPLOYMENT, "container.apparmor.security.beta.kubernetes.io/nginx"));
  });

  it("When the named field is missing, then the problem points at the deepest part of its path that exists", () => {
    const text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\nkind: Pod\nmetadata:\n  name: p\n";
    const files = [{ name: "a.yaml", text }];
    const [p] = locateProblems(files, [{ file: "a.yaml", document: 2, line: 5, path: "spec.containers[0].image", message: "m" }]);
    expect(p!.line).toBe(5); // no spec: the document itself
    const [q] = locateProblems(files, [{ file: "a.yaml", document: 2, line: 5, path: "metadata.labels", message: "m" }]);
    expect(q!.line).toBe(6); // metadata exists, labels do not
  });

  it("When a file is bigger than the bound, then it is not parsed again and its problems keep their lines", () => {
    const text = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  big: "${"x".repeat(LOCATE_MAX_BYTES)}"\n  k: 1\n`;
    const problem = { file: "big.yaml", document: 1, line: 1, path: "data.k", message: "m" };
    expect(locateProblems([{ name: "big.yaml", text }], [problem])).toEqual([problem]);
    const small = text.replace("x".repeat(LOCATE_MAX_BYTES), "x");
    expect(locateProblems([{ name: "big.yaml", text: small }], [problem])[0]!.line).toBe(6);
  });
});
