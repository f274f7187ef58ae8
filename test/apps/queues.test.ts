import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUEUE_READER_ACCESS, QueueView } from "../../apps/shared/contract";
import { runCli } from "../../apps/cli/main";
import { errorHandler } from "../../apps/shared/http/http-server";
import { KubeQueueSource } from "../../apps/shared/public-api/queues/kube-queue-source";
import { queueRoutes, type QueueSource } from "../../apps/shared/public-api/queues/queue-routes";
import { queueView, type ClusterQueueObject } from "../../apps/shared/public-api/queues/queue-view";
import { DOUBLE_USERS, startKubeApiDouble, type KubeApiDouble } from "../support/kube-api-double";

// ClusterQueues as Kueue reports them (kubernetes-sigs/kueue@v0.19.2 apis/kueue/v1beta2/
// clusterqueue_types.go: spec.resourceGroups[].flavors[].resources[].nominalQuota,
// status.flavorsUsage[].resources[].total/borrowed, status.pendingWorkloads/admittedWorkloads,
// the Active condition), as the program creates them (infra/platform-services/kueue-objects.ts).
const cq = (tenant: string, cpu: string, usedCpu: string, borrowedCpu: string, pending: number, admitted: number): ClusterQueueObject => ({
  metadata: { name: `tenant-${tenant}` },
  spec: {
    cohortName: "tenants",
    resourceGroups: [
      {
        coveredResources: ["cpu", "memory", "nvidia.com/gpu"],
        flavors: [
          { name: "cpu-spot", resources: [{ name: "cpu", nominalQuota: cpu }, { name: "memory", nominalQuota: "32Gi" }, { name: "nvidia.com/gpu", nominalQuota: "0" }] },
          { name: "gpu-spot", resources: [{ name: "cpu", nominalQuota: "4" }, { name: "memory", nominalQuota: "16Gi" }, { name: "nvidia.com/gpu", nominalQuota: "1" }] },
        ],
      },
    ],
  },
  status: {
    flavorsUsage: [{ name: "cpu-spot", resources: [{ name: "cpu", total: usedCpu, borrowed: borrowedCpu }, { name: "memory", total: "8Gi", borrowed: "0" }, { name: "nvidia.com/gpu", total: "0", borrowed: "0" }] }],
    pendingWorkloads: pending,
    admittedWorkloads: admitted,
    conditions: [{ type: "Active", status: "True", message: "Can admit new workloads" }],
  },
});
const queues = [cq("research", "8", "12", "4", 3, 2), cq("default", "16", "2500m", "0", 0, 1)];

describe("GET /queues", () => {
  it("When the tenant borrows from an idle cohort, then its view shows quota, use, borrowing and what the cohort leaves idle", () => {
    const v = queueView("research", queues, "2026-12-07T17:00:00Z")!;
    expect(QueueView.parse(v)).toEqual(v);
    expect(v).toMatchObject({ clusterQueue: "tenant-research", cohort: "tenants", pendingWorkloads: 3, admittedWorkloads: 2, active: true });
    expect(v.flavors[0]).toEqual({
      name: "cpu-spot",
      resources: {
        cpu: { nominal: "8", used: "12", borrowed: "4", cohortIdle: "13.5" },
        memory: { nominal: "32Gi", used: "8Gi", borrowed: "0Gi", cohortIdle: "24Gi" },
        "nvidia.com/gpu": { nominal: "0", used: "0", borrowed: "0", cohortIdle: "0" },
      },
    });
    expect(v.flavors[1]!.resources["nvidia.com/gpu"]).toEqual({ nominal: "1", used: "0", borrowed: "0", cohortIdle: "1" });
    expect(queueView("nobody", queues, "t")).toBeUndefined();
  });

  describe("over HTTP", () => {
    let api: KubeApiDouble;
    let server: Server;
    let base: string;
    let source: QueueSource | undefined;
    beforeAll(async () => {
      api = await startKubeApiDouble();
      for (const q of queues) api.put({ apiVersion: "kueue.x-k8s.io/v1beta2", kind: "ClusterQueue", ...q });
      // The read API's identity holds only what the program binds it to (QUEUE_READER_ACCESS).
      const rbac = "rbac.authorization.k8s.io/v1";
      api.put({ apiVersion: rbac, kind: "ClusterRole", metadata: { name: QUEUE_READER_ACCESS.clusterRole }, rules: QUEUE_READER_ACCESS.rules });
      api.put({
        apiVersion: rbac,
        kind: "ClusterRoleBinding",
        metadata: { name: QUEUE_READER_ACCESS.clusterRole },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: QUEUE_READER_ACCESS.clusterRole },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: DOUBLE_USERS.reader.name }],
      });
      const app = express();
      app.use((req, res, next) => {
        res.locals.tenant = req.header("x-test-tenant");
        next();
      });
      app.use((req, res, next) => queueRoutes(source, (_q, _r, n) => n())(req, res, next));
      app.use(errorHandler(pino({ level: "silent" })));
      server = app.listen(0);
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.close();
      await api.close();
    });
    const get = (tenant: string) => fetch(`${base}/queues`, { headers: { "x-test-tenant": tenant } });

    it("When the cluster has the tenant's ClusterQueue, then 200 with its view; another tenant's is never shown", async () => {
      source = new KubeQueueSource(api.kubeConfig("reader"));
      const res = await get("default");
      expect(res.status).toBe(200);
      const body = QueueView.parse(await res.json());
      expect(body).toMatchObject({ tenant: "default", clusterQueue: "tenant-default", admittedWorkloads: 1 });
      expect(body.flavors[0]!.resources.cpu).toEqual({ nominal: "16", used: "2.5", borrowed: "0", cohortIdle: "0" });
    });

    it("When cpctl queue runs, then it prints the tenant's queue as a table (or the view as JSON) and exits 0", async () => {
      source = new KubeQueueSource(api.kubeConfig("reader"));
      const out: string[] = [];
      const io = { out: (t: string) => void out.push(t), err: (t: string) => void out.push(`ERR ${t}`), isTTY: false };
      expect(await runCli(["queue", "--api", base, "--token", "t"], io)).toBe(0);
      const text = out.join("\n");
      expect(text).toContain("tenant-default (cohort tenants): 0 pending, 1 admitted");
      expect(text).toMatch(/^cpu-spot\s+cpu\s+16\s+2\.5\s+0\s+0$/m);
      expect(text).toMatch(/^gpu-spot\s+nvidia\.com\/gpu\s+1\s+0\s+0\s+1$/m);
      out.length = 0;
      expect(await runCli(["queue", "--api", base, "--token", "t", "-o", "json"], io)).toBe(0);
      expect(QueueView.parse(JSON.parse(out.join(""))).clusterQueue).toBe("tenant-default");
      out.length = 0;
      source = undefined;
      expect(await runCli(["queue", "--api", base, "--token", "t"], io)).toBe(4);
      expect(out.join("\n")).toMatch(/ERR .*without a cluster/);
    });

    it("When the tenant has no queue, or there is no cluster, or the cluster does not answer, then 404/404/503 saying what to do", async () => {
      source = new KubeQueueSource(api.kubeConfig("reader"));
      const none = await get("nobody");
      expect(none.status).toBe(404);
      expect(((await none.json()) as { error: string }).error).toMatch(/tenant nobody has no queue: an operator adds it/);
      source = undefined;
      const dry = await get("default");
      expect(dry.status).toBe(404);
      expect(((await dry.json()) as { error: string }).error).toMatch(/without a cluster/);
      source = { clusterQueues: () => Promise.reject(new Error("connect ECONNREFUSED")) };
      const down = await get("default");
      expect(down.status).toBe(503);
      expect(down.headers.get("retry-after")).toBe("5");
    });
  });
});
