import { describe, expect, it } from "vitest";
import { ApiError, explain } from "../../apps/console/src/api-error";

describe("the console's error messages", () => {
  it("When the API answers 401, 429 or 503, then the message says what to do, with Retry-After when given", () => {
    expect(explain(new ApiError(401, "missing bearer token"))).toMatch(/needs a valid token/);
    expect(explain(new ApiError(429, "rate limit for tenant a", 3))).toBe("Too many requests (rate limit for tenant a). Retry in 3 s.");
    expect(explain(new ApiError(503, "broker unavailable"))).toBe("The service cannot take this now (broker unavailable). Retry shortly.");
    expect(explain(new ApiError(400, "invalid query: limit too large"))).toBe("invalid query: limit too large");
    expect(explain(new TypeError("Failed to fetch"))).toMatch(/Could not reach the API: Failed to fetch/);
  });
});
