import { z } from "zod";
import { JOB_STATUSES, JobView, Problem } from "../contract";

const ErrorBody = z.object({
  error: z.string().describe("What went wrong and what to do about it"),
  details: z.object({ problems: z.array(Problem) }).optional(),
});
const JobPage = z.object({
  items: z.array(JobView),
  nextCursor: z.string().optional().describe("Pass as ?cursor= to get the next page; absent on the last page"),
});

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: "openapi-3.0", io: "output" });
const json = (s: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${s}` } } });
const error = (description: string) => ({ description, content: json("Error") });
const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
const secured = {
  security: [{ bearerAuth: [] }],
};
const authErrors = {
  "401": error("Missing or invalid bearer token (required whenever the service is not on loopback)"),
  "429": error("The tenant's rate limit was exceeded; retry after Retry-After seconds"),
};

/** The HTTP API, built from the same schemas the services use, so the two cannot drift. */
export const openApiDocument = () => ({
  openapi: "3.0.3",
  info: {
    title: "Management App API",
    version: "1.0.0",
    description: "Submit Kubernetes manifests as a job, watch its status, roll it back.",
  },
  paths: {
    "/yaml": {
      post: {
        summary: "Submit a job (one multi-document YAML body, or several files as multipart/form-data)",
        ...secured,
        parameters: [
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            description: "Retrying with the same key returns the same job, never a second one (422 if the body differs)",
            schema: { type: "string", maxLength: 200 },
          },
        ],
        requestBody: {
          required: true,
          content: {
            "application/yaml": { schema: { type: "string" } },
            "text/yaml": { schema: { type: "string" } },
            "multipart/form-data": {
              schema: { type: "object", properties: { files: { type: "array", items: { type: "string", format: "binary" } } } },
            },
          },
        },
        responses: {
          "202": { description: "Accepted; follow the Location header", content: json("Job") },
          "400": error("Empty body, YAML that cannot be parsed (details.problems has document and line), bad multipart"),
          "409": error("A request with the same Idempotency-Key is still being accepted"),
          "413": error("Body, file count or file size over the limit"),
          "415": error("Content type is not YAML or multipart/form-data"),
          "422": error("Idempotency-Key reused with a different body"),
          "503": error("Broker, cache or storage unavailable; nothing was kept. Retry after Retry-After seconds"),
          ...authErrors,
        },
      },
    },
    "/jobs": {
      get: {
        summary: "List the caller's jobs, newest first",
        ...secured,
        parameters: [
          { name: "status", in: "query", schema: { type: "string", enum: [...JOB_STATUSES] } },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
          { name: "cursor", in: "query", schema: { type: "string" } },
        ],
        responses: { "200": { description: "A page of jobs", content: json("JobPage") }, "400": error("Bad filter"), ...authErrors },
      },
    },
    "/jobs/{id}": {
      get: {
        summary: "A job's status, history and resources",
        ...secured,
        parameters: [idParam],
        responses: { "200": { description: "The job", content: json("Job") }, "404": error("No such job (or another tenant's)"), ...authErrors },
      },
      delete: {
        summary: "Roll the job back: ROLLING_BACK, then ROLLED_BACK once everything it created is gone",
        ...secured,
        parameters: [idParam],
        responses: { "202": { description: "Rollback requested (a second DELETE is harmless)", content: json("Job") }, "404": error("No such job (or another tenant's)"), ...authErrors },
      },
    },
    "/healthz": { get: { summary: "Liveness (the process answers)", responses: { "200": { description: "alive" } } } },
    "/readyz": {
      get: {
        summary: "Readiness: broker, cache, storage (and target) reachable",
        responses: { "200": { description: "ready" }, "503": { description: "a dependency is unreachable; see checks" } },
      },
    },
    "/metrics": { get: { summary: "Prometheus metrics", responses: { "200": { description: "text exposition format" } } } },
  },
  components: {
    securitySchemes: { bearerAuth: { type: "http", scheme: "bearer", description: "A tenant's API token (API_TOKENS / API_TOKENS_FILE)" } },
    schemas: { Job: schema(JobView), JobPage: schema(JobPage), Error: schema(ErrorBody) },
  },
});
