import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformActivity } from "../../apps/shared/contract";
import { eventually } from "../support/eventually";
import { postYaml, startTestStack, type TestStack } from "../support/test-stack";

const OPERATOR = "operator-token-0123456789abcdef";
const tokens = "alpha:alpha-token-0123456789,beta:beta-token-01234567890";
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({ API_TOKENS: tokens, OPERATOR_TOKEN: OPERATOR });
});
afterAll(async () => {
  await stack?.cleanup();
});
const activity = (token: string) => fetch(`${stack.url}/admin/activity`, { headers: { authorization: `Bearer ${token}` } });
const pi = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: pi\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: pi\n          image: perl:5.34.0\n";

describe("GET /admin/activity (real RabbitMQ and Redis, the dry-run target)", () => {
  it("When a tenant's token asks, then 401; the operator's token is refused by tenant routes", async () => {
    expect((await activity("alpha-token-0123456789")).status).toBe(401);
    expect((await fetch(`${stack.url}/jobs`, { headers: { authorization: `Bearer ${OPERATOR}` } })).status).toBe(401);
  });

  it("When tenants submit jobs, then the operator sees activity across all of them, no job content", async () => {
    const empty = PlatformActivity.parse(await (await activity(OPERATOR)).json());
    expect(empty).toMatchObject({ tenants: 2, busy: [] });
    expect(empty.lastActivityAt).toBeUndefined();
    for (const t of ["alpha-token-0123456789", "beta-token-01234567890"]) expect((await postYaml(stack.url, pi, { authorization: `Bearer ${t}` })).status).toBe(202);
    await eventually(async () => {
      const a = PlatformActivity.parse(await (await activity(OPERATOR)).json());
      expect(new Set(a.busy.map((b) => b.tenant))).toEqual(new Set(["alpha", "beta"]));
      expect(a.lastActivityAt).toBeDefined();
    });
  });
});
