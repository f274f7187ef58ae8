import { z } from "zod";
import {
  DryRunResult,
  JOB_ID_PREFIX_MIN,
  JOB_LABELS_MAX,
  JOB_LIST_INDEX_READS_MAX,
  JOB_LIST_SCAN_MAX,
  JOB_STATUSES,
  LIST_PARTIAL_REASONS,
  JobView,
  MAX_USAGE_PERIOD_DAYS,
  UsageReport,
  LOG_SOURCE_HEADER,
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TOLERANCE_SECONDS,
  WEBHOOKS_PER_TENANT_MAX,
  WebhookCreate,
  WebhookPayload,
  WebhookView,
  WebhookWithSecret,
  ManifestsView,
  QueueView,
  PlatformActivity,
  Problem,
  STREAM_END_EVENT,
  STREAM_EVENT_TYPES,
  StreamEnd,
  StreamEvent,
} from "../contract";

const ErrorBody = z.object({
  error: z.string().describe("What went wrong and what to do about it"),
  details: z
    .object({
      problems: z.array(Problem).optional(),
      candidates: z.array(z.string()).optional().describe("409 for a job id prefix: the ids it matches"),
    })
    .optional(),
});
const JobPage = z.object({
  items: z.array(JobView),
  nextCursor: z.string().optional().describe("Opaque: pass as ?cursor= to get the next page; absent on the last page"),
  partial: z
    .enum(LIST_PARTIAL_REASONS)
    .optional()
    .describe(
      `Only with name or labelSelector: this page stopped at the request's bounds before it was full, so older jobs may still match; nextCursor goes on from the last job examined. \`scan\`: nothing in the filter can use an index (only \`!=\`, \`notin\`, \`key\`, \`!key\`, \`>\`, \`<\`, or a name prefix that more than ${JOB_LIST_INDEX_READS_MAX / 4} jobs share), and ${JOB_LIST_SCAN_MAX} jobs were checked one by one; \`index\`: the request read its ${JOB_LIST_INDEX_READS_MAX} index entries or ${JOB_LIST_SCAN_MAX} candidate jobs; \`indexing\`: your jobs from before the label index are still being indexed, and this request checked jobs one by one meanwhile`,
    ),
});

const StatusCounts = z.object({
  counts: z.record(z.enum(JOB_STATUSES), z.number().int().nonnegative()).describe("How many of the caller's jobs are at each status"),
});

const schema = (s: z.ZodType) => z.toJSONSchema(s, { target: "openapi-3.0", io: "output" });
const json = (s: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${s}` } } });
const error = (description: string) => ({ description, content: json("Error") });
const idParam = {
  name: "id",
  in: "path",
  required: true,
  description: `The job's id, or a prefix of it of at least ${JOB_ID_PREFIX_MIN} characters (resolved within the caller's jobs: 409 with the candidates when several match, 400 when shorter)`,
  schema: { type: "string" },
};
/** Name and labels of a new job (POST /yaml, POST /jobs/{id}/resubmit), as query parameters so a multipart or YAML body stays only manifests. */
const metaParams = [
  { name: "name", in: "query", required: false, description: "The job's name, a DNS label (at most 63 characters). Default: derived from the first object, e.g. `job-pi` for Job/pi (resubmit: the old job's)", schema: { type: "string", maxLength: 63 } },
  {
    name: "labels",
    in: "query",
    required: false,
    description: `The job's labels as \`key=value,key2=value2\` (Kubernetes label keys and values; at most ${JOB_LABELS_MAX}). Resubmit: replaces the old job's labels`,
    schema: { type: "string" },
  },
];
const idErrors = {
  "400": error(`A job id prefix shorter than ${JOB_ID_PREFIX_MIN} characters`),
  "404": error("No such job (or another tenant's)"),
  "409": error("The job id prefix matches several jobs: details.candidates lists them"),
};
const secured = {
  security: [{ bearerAuth: [] }],
};
const authErrors = {
  "401": error("Missing or invalid bearer token (required whenever the service is not on loopback)"),
  "429": error("The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds"),
};

const sse = { "text/event-stream": { schema: { type: "string" } } };
const sseDescription = [
  `Server-Sent Events. \`event:\` is one of ${STREAM_EVENT_TYPES.map((t) => `\`${t}\``).join(", ")} and \`data:\` a StreamEvent as JSON;`,
  `\`id:\` is the resume point: reconnect with Last-Event-ID (or ?lastEventId=) to get only what came after, from any replica.`,
  `A comment line (\`: heartbeat\`) comes every SSE_HEARTBEAT_SECONDS. A stream that ends on purpose sends \`event: ${STREAM_END_EVENT}\` (a StreamEnd) last.`,
].join(" ");
const streamParams = [
  { name: "follow", in: "query", required: false, description: "false: the stored history only, then end", schema: { type: "string", enum: ["true", "false"], default: "true" } },
  { name: "lastEventId", in: "query", required: false, description: "Resume after this event id (as the Last-Event-ID header); `$` for new events only", schema: { type: "string" } },
  { name: "Last-Event-ID", in: "header", required: false, description: "Sent by EventSource on reconnect; wins over ?lastEventId", schema: { type: "string" } },
];

/** The HTTP API, built from the same schemas the services use, so the two cannot drift. */
export const openApiDocument = () => ({
  openapi: "3.0.3",
  info: {
    title: "Management App API",
    version: "1.0.0",
    description: "Submit Kubernetes manifests as a job (or dry-run them), watch its status and events, read its logs and manifests, roll it back.",
  },
  paths: {
    "/yaml": {
      post: {
        operationId: "submitJob",
        summary: "Submit a job (one multi-document YAML body, or several files as multipart/form-data)",
        ...secured,
        parameters: [
          {
            name: "dryRun",
            in: "query",
            required: false,
            description: "true: parse and admit only, answer 200 with problems and warnings at once; no job is created, nothing is written",
            schema: { type: "string", enum: ["true", "false"], default: "false" },
          },
          {
            name: "Idempotency-Key",
            in: "header",
            required: false,
            description: "Retrying with the same key returns the same job, never a second one (422 if the body differs)",
            schema: { type: "string", maxLength: 200 },
          },
          ...metaParams,
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
          "200": { description: "Dry run (dryRun=true): the verdict; ok with empty problems when the job would be accepted", content: json("DryRunResult") },
          "202": { description: "Accepted; follow the Location header", content: json("Job") },
          "400": error("Empty body, YAML that cannot be parsed (details.problems has document and line), bad multipart, a name that is not a DNS label, labels that break Kubernetes' rules"),
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
        operationId: "listJobs",
        summary: "List the caller's jobs, newest first",
        ...secured,
        parameters: [
          { name: "status", in: "query", schema: { type: "string", enum: [...JOB_STATUSES] } },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 100, default: 20 } },
          {
            name: "cursor",
            in: "query",
            description: "A previous page's nextCursor, unchanged (opaque). Pages neither repeat nor skip jobs when jobs are created or removed in between",
            schema: { type: "string" },
          },
          { name: "name", in: "query", description: "Only jobs whose name starts with this (answered from a per-tenant name index)", schema: { type: "string", maxLength: 63 } },
          {
            name: "labelSelector",
            in: "query",
            description:
              `Only jobs whose labels match this Kubernetes label selector (\`team=nlp,env in (dev,test),!draft,gpus>1\`). \`key=value\` and \`key in (…)\` (and \`name\`) are answered from per-tenant indexes, however old the jobs; the other forms are checked job by job among what those leave, or among all your jobs (at most ${JOB_LIST_SCAN_MAX} per request) when nothing else narrows them. A page cut short by these bounds says so in \`partial\``,
            schema: { type: "string", maxLength: 1024 },
          },
        ],
        responses: { "200": { description: "A page of jobs", content: json("JobPage") }, "400": error("Bad filter (a label selector that does not parse says where), or a cursor that no page returned"), ...authErrors },
      },
    },
    "/jobs/counts": {
      get: {
        operationId: "countJobs",
        summary: "How many of the caller's jobs are at each status (the listing is paginated)",
        ...secured,
        responses: { "200": { description: "Counts per status", content: json("StatusCounts") }, ...authErrors },
      },
    },
    "/": {
      get: {
        summary: "The web console (HTML; its scripts and styles under /console/)",
        responses: { "200": { description: "The console page", content: { "text/html": { schema: { type: "string" } } } }, "503": { description: "The console was not built on this server" } },
      },
    },
    "/jobs/{id}": {
      get: {
        operationId: "getJob",
        summary: "A job's status, history and resources",
        ...secured,
        parameters: [idParam],
        responses: { "200": { description: "The job", content: json("Job") }, ...idErrors, ...authErrors },
      },
      delete: {
        operationId: "deleteJob",
        summary: "Roll the job back: ROLLING_BACK, then ROLLED_BACK once everything it created is gone",
        ...secured,
        parameters: [idParam],
        responses: { "202": { description: "Rollback requested (a second DELETE is harmless)", content: json("Job") }, ...idErrors, ...authErrors },
      },
    },
    "/jobs/{id}/resubmit": {
      post: {
        operationId: "resubmitJob",
        summary: "Run a job again: a new job from the stored submission of one of the caller's jobs, with its name and labels unless new ones are given; the new job's resubmittedFrom names the old one",
        ...secured,
        parameters: [
          idParam,
          ...metaParams,
          { name: "Idempotency-Key", in: "header", required: false, description: "Retrying with the same key returns the same new job", schema: { type: "string", maxLength: 200 } },
        ],
        responses: {
          "202": { description: "Accepted; follow the Location header", content: json("Job") },
          ...idErrors,
          "400": error(`A bad name or labels, or a job id prefix shorter than ${JOB_ID_PREFIX_MIN} characters`),
          "410": error("The old job's submission is no longer stored"),
          "503": error("Broker, cache or storage unavailable; nothing was kept. Retry after Retry-After seconds"),
          ...authErrors,
        },
      },
    },
    "/jobs/{id}/events": {
      get: {
        operationId: "jobEvents",
        summary: "The job's events as Server-Sent Events: history, then live until the job can no longer change",
        description: sseDescription,
        ...secured,
        parameters: [idParam, ...streamParams],
        responses: {
          "200": { description: "text/event-stream; each event's data is a StreamEvent (JSON); the last one, `end`, is a StreamEnd", content: sse },
          "400": error("follow or Last-Event-ID is not valid"),
          "404": error("No such job (or another tenant's)"),
          "503": error("Too many open streams on this server, or Redis unavailable; retry"),
          ...authErrors,
        },
      },
    },
    "/events": {
      get: {
        operationId: "tenantEvents",
        summary: "Events of all the caller's jobs as Server-Sent Events (never ends by itself while following)",
        description: sseDescription,
        ...secured,
        parameters: streamParams,
        responses: {
          "200": { description: "text/event-stream of StreamEvent", content: sse },
          "400": error("follow or Last-Event-ID is not valid"),
          "503": error("Too many open streams on this server, or Redis unavailable; retry"),
          ...authErrors,
        },
      },
    },
    "/jobs/{id}/logs": {
      get: {
        operationId: "jobLogs",
        summary: "The job's container logs: live from the cluster while its pods exist, saved (last 1 MiB per container) once they are gone",
        description: "Several containers are merged line by line, each line prefixed `[pod/container] `.",
        ...secured,
        parameters: [
          idParam,
          { name: "container", in: "query", required: false, description: "Only this container", schema: { type: "string" } },
          { name: "tailLines", in: "query", required: false, description: "Only the last N lines of each container", schema: { type: "integer", minimum: 1, maximum: 100000 } },
          { name: "follow", in: "query", required: false, description: "Keep streaming while the containers run (live logs only)", schema: { type: "string", enum: ["true", "false"], default: "false" } },
          { name: "sinceSeconds", in: "query", required: false, description: "Live logs only: the lines of the last N seconds (the API server's sinceSeconds)", schema: { type: "integer", minimum: 1, maximum: 31622400 } },
          { name: "timestamps", in: "query", required: false, description: "Live logs only: each line starts with its RFC 3339 time", schema: { type: "string", enum: ["true", "false"], default: "false" } },
          { name: "previous", in: "query", required: false, description: "Live logs only: the previous instance of a restarted container", schema: { type: "string", enum: ["true", "false"], default: "false" } },
        ],
        responses: {
          "200": {
            description: "Plain text",
            headers: { [LOG_SOURCE_HEADER]: { description: "`live` (from the cluster) or `saved` (from storage)", schema: { type: "string", enum: ["live", "saved"] } } },
            content: { "text/plain": { schema: { type: "string" } } },
          },
          "400": error("Bad query, or sinceSeconds/timestamps/previous asked of saved logs (they keep none of that)"),
          "404": error("No such job, no logs (no pods and none saved), or the dry-run target (it runs nothing)"),
          "409": error("The containers have not started yet"),
          ...authErrors,
        },
      },
    },
    "/jobs/{id}/manifests": {
      get: {
        operationId: "jobManifests",
        summary: "What was submitted and what was (or would be) applied, with admission's problems and warnings",
        ...secured,
        parameters: [idParam],
        responses: { "200": { description: "The manifests", content: json("Manifests") }, ...idErrors, ...authErrors },
      },
    },
    "/usage": {
      get: {
        summary: "The caller's usage in a period (requested resources × running time of its jobs' pods, priced) and its top jobs",
        ...secured,
        parameters: [
          { name: "from", in: "query", description: "RFC 3339; default: 30 days before `to`", schema: { type: "string", format: "date-time" } },
          { name: "to", in: "query", description: "RFC 3339; default: now", schema: { type: "string", format: "date-time" } },
          { name: "top", in: "query", description: "How many jobs to list, most expensive first", schema: { type: "integer", minimum: 1, maximum: 100, default: 10 } },
        ],
        responses: { "200": { description: "Totals and top jobs", content: json("UsageReport") }, "400": error(`Bad time, from after to, or a period over ${MAX_USAGE_PERIOD_DAYS} days`), ...authErrors },
      },
    },
    "/queues": {
      get: {
        operationId: "queues",
        summary: "The caller's Kueue queue: quota, use and borrowing per node pool, what the cohort leaves idle, pending and admitted workloads",
        ...secured,
        responses: {
          "200": { description: "The caller's ClusterQueue", content: json("QueueView") },
          "404": error("The caller's tenant has no queue, or the API runs without a cluster"),
          "503": error("The deployments cluster did not answer; retry after Retry-After seconds"),
          ...authErrors,
        },
      },
    },
    "/admin/activity": {
      get: {
        operationId: "platformActivity",
        summary: "Operator only: what the platform does across all tenants (busy jobs, last activity), for the idle-destroy workflow",
        security: [{ bearerAuth: [] }],
        responses: {
          "200": { description: "Activity across tenants", content: json("PlatformActivity") },
          "401": error("Not the operator's token (a tenant's token is refused here)"),
          "404": error("The operator view is off (OPERATOR_TOKEN unset)"),
        },
      },
    },
    "/webhooks": {
      post: {
        operationId: "createWebhook",
        summary: "Register a webhook: a signed POST (a WebhookPayload) when one of the caller's jobs ends with one of the outcomes asked for",
        description: [
          `Each delivery carries \`${WEBHOOK_SIGNATURE_HEADER}: t=<unix seconds>,v1=<hex>\`, the HMAC-SHA256 with the webhook's secret of \`<t>.<body>\`;`,
          `verify it and refuse timestamps older than ${WEBHOOK_TOLERANCE_SECONDS} s. \`${WEBHOOK_DELIVERY_HEADER}\` is the same on every retry of one notice (deliveries are at least once).`,
          "Only https URLs to public addresses (unless the platform runs in local mode); redirects are not followed; a receiver must answer 2xx in time.",
        ].join(" "),
        ...secured,
        requestBody: { required: true, content: json("WebhookCreate") },
        responses: {
          "201": { description: "Registered; `secret` is shown in this answer only", content: json("WebhookWithSecret") },
          "400": error("Not an https URL, a host that resolves to a private, loopback or link-local address, or an unknown outcome"),
          "409": error(`The tenant has ${WEBHOOKS_PER_TENANT_MAX} webhooks already`),
          ...authErrors,
        },
      },
      get: {
        operationId: "listWebhooks",
        summary: "The caller's webhooks (never their secrets), with how the last delivery went",
        ...secured,
        responses: { "200": { description: "The webhooks", content: json("WebhookList") }, ...authErrors },
      },
    },
    "/webhooks/{id}": {
      delete: {
        operationId: "deleteWebhook",
        summary: "Delete a webhook; notices not yet delivered to it are dropped",
        ...secured,
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "204": { description: "Deleted" }, "404": error("No such webhook (or another tenant's)"), ...authErrors },
      },
    },
    "/webhooks/{id}/secret": {
      post: {
        operationId: "rotateWebhookSecret",
        summary: "A new secret for the webhook, shown in this answer only; the old one stops signing at once",
        ...secured,
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "The webhook with its new secret", content: json("WebhookWithSecret") }, "404": error("No such webhook (or another tenant's)"), ...authErrors },
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
    schemas: {
      Job: schema(JobView),
      JobPage: schema(JobPage),
      UsageReport: schema(UsageReport),
      QueueView: schema(QueueView),
      PlatformActivity: schema(PlatformActivity),
      StatusCounts: schema(StatusCounts),
      Error: schema(ErrorBody),
      DryRunResult: schema(DryRunResult),
      Manifests: schema(ManifestsView),
      StreamEvent: schema(StreamEvent),
      StreamEnd: schema(StreamEnd),
      WebhookCreate: z.toJSONSchema(WebhookCreate, { target: "openapi-3.0", io: "input" }),
      WebhookWithSecret: schema(WebhookWithSecret),
      WebhookList: schema(z.object({ items: z.array(WebhookView) })),
      WebhookPayload: schema(WebhookPayload),
    },
  },
});
