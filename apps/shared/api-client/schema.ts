// Generated from docs/openapi.yaml by `npm run openapi` (openapi-typescript); do not edit.
export interface paths {
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The web console (HTML; its scripts and styles under /console/) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The console page */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                    };
                };
                /** @description The console was not built on this server */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/activity": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Operator only: what the platform does across all tenants (busy jobs, last activity), for the idle-destroy workflow */
        get: operations["platformActivity"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Events of all the caller's jobs as Server-Sent Events (never ends by itself while following)
         * @description Server-Sent Events. `event:` is one of `status`, `workload`, `rollback_failed` and `data:` a StreamEvent as JSON; `id:` is the resume point: reconnect with Last-Event-ID (or ?lastEventId=) to get only what came after, from any replica. A comment line (`: heartbeat`) comes every SSE_HEARTBEAT_SECONDS. A stream that ends on purpose sends `event: end` (a StreamEnd) last.
         */
        get: operations["tenantEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness (the process answers) */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description alive */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the caller's jobs, newest first */
        get: operations["listJobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A job's status, history and resources */
        get: operations["getJob"];
        put?: never;
        post?: never;
        /** Roll the job back: ROLLING_BACK, then ROLLED_BACK once everything it created is gone */
        delete: operations["deleteJob"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The job's events as Server-Sent Events: history, then live until the job can no longer change
         * @description Server-Sent Events. `event:` is one of `status`, `workload`, `rollback_failed` and `data:` a StreamEvent as JSON; `id:` is the resume point: reconnect with Last-Event-ID (or ?lastEventId=) to get only what came after, from any replica. A comment line (`: heartbeat`) comes every SSE_HEARTBEAT_SECONDS. A stream that ends on purpose sends `event: end` (a StreamEnd) last.
         */
        get: operations["jobEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{id}/logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The job's container logs: live from the cluster while its pods exist, saved (last 1 MiB per container) once they are gone
         * @description Several containers are merged line by line, each line prefixed `[pod/container] `.
         */
        get: operations["jobLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{id}/manifests": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** What was submitted and what was (or would be) applied, with admission's problems and warnings */
        get: operations["jobManifests"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/{id}/resubmit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Run a job again: a new job from the stored submission of one of the caller's jobs, with its name and labels unless new ones are given; the new job's resubmittedFrom names the old one */
        post: operations["resubmitJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/jobs/counts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** How many of the caller's jobs are at each status (the listing is paginated) */
        get: operations["countJobs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description text exposition format */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/queues": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's Kueue queue: quota, use and borrowing per node pool, what the cohort leaves idle, pending and admitted workloads */
        get: operations["queues"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: broker, cache, storage (and target) reachable */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description ready */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description a dependency is unreachable; see checks */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's usage in a period (requested resources × running time of its jobs' pods, priced) and its top jobs */
        get: {
            parameters: {
                query?: {
                    /** @description RFC 3339; default: 30 days before `to` */
                    from?: string;
                    /** @description RFC 3339; default: now */
                    to?: string;
                    /** @description How many jobs to list, most expensive first */
                    top?: number;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Totals and top jobs */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["UsageReport"];
                    };
                };
                /** @description Bad time, from after to, or a period over 366 days */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The caller's webhooks (never their secrets), with how the last delivery went */
        get: operations["listWebhooks"];
        put?: never;
        /**
         * Register a webhook: a signed POST (a WebhookPayload) when one of the caller's jobs ends with one of the outcomes asked for
         * @description Each delivery carries `Webhook-Signature: t=<unix seconds>,v1=<hex>`, the HMAC-SHA256 with the webhook's secret of `<t>.<body>`; verify it and refuse timestamps older than 300 s. `Webhook-Delivery` is the same on every retry of one notice (deliveries are at least once). Only https URLs to public addresses (unless the platform runs in local mode); redirects are not followed; a receiver must answer 2xx in time.
         */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Delete a webhook; notices not yet delivered to it are dropped */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/webhooks/{id}/secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new secret for the webhook, shown in this answer only; the old one stops signing at once */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/yaml": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Submit a job (one multi-document YAML body, or several files as multipart/form-data) */
        post: operations["submitJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        DryRunResult: {
            ok: boolean;
            problems: {
                document?: number;
                file?: string;
                line?: number;
                message: string;
                object?: string;
                path?: string;
                rule?: string;
            }[];
            resources: {
                apiVersion: string;
                kind: string;
                name: string;
                namespace?: string;
            }[];
            warnings: {
                document?: number;
                file?: string;
                line?: number;
                message: string;
                object?: string;
                path?: string;
            }[];
        };
        Error: {
            details?: {
                /** @description 409 for a job id prefix: the ids it matches */
                candidates?: string[];
                problems?: {
                    document?: number;
                    file?: string;
                    line?: number;
                    message: string;
                    object?: string;
                    path?: string;
                    rule?: string;
                }[];
            };
            /** @description What went wrong and what to do about it */
            error: string;
        };
        Job: {
            createdAt: string;
            history: {
                at: string;
                /** @enum {string} */
                status: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
            }[];
            id: string;
            labels?: {
                [key: string]: string;
            };
            name?: string;
            namespace: string;
            problems?: {
                document?: number;
                file?: string;
                line?: number;
                message: string;
                object?: string;
                path?: string;
                rule?: string;
            }[];
            reason?: string;
            resources: {
                apiVersion: string;
                kind: string;
                name: string;
                namespace?: string;
            }[];
            resubmittedFrom?: string;
            /** @enum {string} */
            status: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
            /** @enum {string} */
            target?: "dry-run" | "kubernetes";
            tenant: string;
            updatedAt: string;
            usage?: {
                cpuCoreSeconds: number;
                /** @description core-, GiB- and GPU-hours at the rates; an estimate, not a bill */
                estimatedCostUsd: number;
                /** @description true when no counted pod is still running */
                final: boolean;
                gpuSeconds: number;
                memoryGiBSeconds: number;
                observedAt: string;
                /** @description pods counted */
                pods: number;
                rates: {
                    cpuCoreHourUsd: number;
                    gpuHourUsd: number;
                    memoryGiBHourUsd: number;
                };
                runningPods: number;
            };
            warnings?: {
                document?: number;
                file?: string;
                line?: number;
                message: string;
                object?: string;
                path?: string;
            }[];
            workload?: {
                available?: boolean;
                containers?: {
                    container: string;
                    exitCode?: number;
                    finishedAt?: string;
                    message?: string;
                    pod: string;
                    reason?: string;
                    restarts: number;
                    signal?: number;
                    startedAt?: string;
                }[];
                final?: boolean;
                finishedAt?: string;
                observedAt: string;
                /** @enum {string} */
                phase: "Pending" | "Running" | "Succeeded" | "Failed" | "Queued";
                pods: {
                    failed: number;
                    pending: number;
                    running: number;
                    succeeded: number;
                };
                problems: string[];
                queue?: {
                    clusterQueue?: string;
                    message?: string;
                    position?: number;
                    reason: string;
                };
                reason?: string;
                reclaimed?: number;
                restarts?: number;
                startedAt?: string;
            };
        };
        JobPage: {
            items: {
                createdAt: string;
                history: {
                    at: string;
                    /** @enum {string} */
                    status: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
                }[];
                id: string;
                labels?: {
                    [key: string]: string;
                };
                name?: string;
                namespace: string;
                problems?: {
                    document?: number;
                    file?: string;
                    line?: number;
                    message: string;
                    object?: string;
                    path?: string;
                    rule?: string;
                }[];
                reason?: string;
                resources: {
                    apiVersion: string;
                    kind: string;
                    name: string;
                    namespace?: string;
                }[];
                resubmittedFrom?: string;
                /** @enum {string} */
                status: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
                /** @enum {string} */
                target?: "dry-run" | "kubernetes";
                tenant: string;
                updatedAt: string;
                usage?: {
                    cpuCoreSeconds: number;
                    /** @description core-, GiB- and GPU-hours at the rates; an estimate, not a bill */
                    estimatedCostUsd: number;
                    /** @description true when no counted pod is still running */
                    final: boolean;
                    gpuSeconds: number;
                    memoryGiBSeconds: number;
                    observedAt: string;
                    /** @description pods counted */
                    pods: number;
                    rates: {
                        cpuCoreHourUsd: number;
                        gpuHourUsd: number;
                        memoryGiBHourUsd: number;
                    };
                    runningPods: number;
                };
                warnings?: {
                    document?: number;
                    file?: string;
                    line?: number;
                    message: string;
                    object?: string;
                    path?: string;
                }[];
                workload?: {
                    available?: boolean;
                    containers?: {
                        container: string;
                        exitCode?: number;
                        finishedAt?: string;
                        message?: string;
                        pod: string;
                        reason?: string;
                        restarts: number;
                        signal?: number;
                        startedAt?: string;
                    }[];
                    final?: boolean;
                    finishedAt?: string;
                    observedAt: string;
                    /** @enum {string} */
                    phase: "Pending" | "Running" | "Succeeded" | "Failed" | "Queued";
                    pods: {
                        failed: number;
                        pending: number;
                        running: number;
                        succeeded: number;
                    };
                    problems: string[];
                    queue?: {
                        clusterQueue?: string;
                        message?: string;
                        position?: number;
                        reason: string;
                    };
                    reason?: string;
                    reclaimed?: number;
                    restarts?: number;
                    startedAt?: string;
                };
            }[];
            /** @description Opaque: pass as ?cursor= to get the next page; absent on the last page */
            nextCursor?: string;
            /**
             * @description Only with name or labelSelector: this page stopped at the request's bounds before it was full, so older jobs may still match; nextCursor goes on from the last job examined. `scan`: nothing in the filter can use an index (only `!=`, `notin`, `key`, `!key`, `>`, `<`, or a name prefix that more than 2500 jobs share), and 1000 jobs were checked one by one; `index`: the request read its 10000 index entries or 1000 candidate jobs; `indexing`: your jobs from before the label index are still being indexed, and this request checked jobs one by one meanwhile
             * @enum {string}
             */
            partial?: "scan" | "index" | "indexing";
        };
        Manifests: {
            applied: {
                [key: string]: unknown;
            }[] | null;
            jobId: string;
            problems: {
                document?: number;
                file?: string;
                line?: number;
                message: string;
                object?: string;
                path?: string;
                rule?: string;
            }[];
            /** @enum {string} */
            status: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
            submitted: {
                name: string;
                text: string;
            }[];
            /** @enum {string} */
            target?: "dry-run" | "kubernetes";
            warnings: {
                document?: number;
                file?: string;
                line?: number;
                message: string;
                object?: string;
                path?: string;
            }[];
        };
        PlatformActivity: {
            busy: {
                id: string;
                phase?: string;
                status: string;
                tenant: string;
            }[];
            lastActivityAt?: string;
            observedAt: string;
            queued: number;
            running: number;
            /** @description tenants looked at (those with API tokens) */
            tenants: number;
        };
        QueueView: {
            active: boolean;
            activeMessage?: string;
            admittedWorkloads: number;
            clusterQueue: string;
            cohort?: string;
            flavors: {
                name: string;
                resources: {
                    [key: string]: {
                        /** @description the part of `used` above the quota, lent by the cohort */
                        borrowed: string;
                        /** @description what other tenants of the cohort leave unused now, which this tenant may borrow */
                        cohortIdle: string;
                        /** @description the tenant's guaranteed quota */
                        nominal: string;
                        /** @description what its admitted workloads hold */
                        used: string;
                    };
                };
            }[];
            observedAt: string;
            /** @description workloads waiting for admission */
            pendingWorkloads: number;
            tenant: string;
        };
        StatusCounts: {
            /** @description How many of the caller's jobs are at each status */
            counts: {
                [key: string]: number;
            };
        };
        StreamEnd: {
            jobId: string;
            /** @enum {string} */
            status: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
        };
        StreamEvent: {
            at: string;
            job: {
                createdAt: string;
                history: {
                    at: string;
                    /** @enum {string} */
                    status: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
                }[];
                id: string;
                labels?: {
                    [key: string]: string;
                };
                name?: string;
                namespace: string;
                problems?: {
                    document?: number;
                    file?: string;
                    line?: number;
                    message: string;
                    object?: string;
                    path?: string;
                    rule?: string;
                }[];
                reason?: string;
                resources: {
                    apiVersion: string;
                    kind: string;
                    name: string;
                    namespace?: string;
                }[];
                resubmittedFrom?: string;
                /** @enum {string} */
                status: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
                /** @enum {string} */
                target?: "dry-run" | "kubernetes";
                tenant: string;
                updatedAt: string;
                usage?: {
                    cpuCoreSeconds: number;
                    /** @description core-, GiB- and GPU-hours at the rates; an estimate, not a bill */
                    estimatedCostUsd: number;
                    /** @description true when no counted pod is still running */
                    final: boolean;
                    gpuSeconds: number;
                    memoryGiBSeconds: number;
                    observedAt: string;
                    /** @description pods counted */
                    pods: number;
                    rates: {
                        cpuCoreHourUsd: number;
                        gpuHourUsd: number;
                        memoryGiBHourUsd: number;
                    };
                    runningPods: number;
                };
                warnings?: {
                    document?: number;
                    file?: string;
                    line?: number;
                    message: string;
                    object?: string;
                    path?: string;
                }[];
                workload?: {
                    available?: boolean;
                    containers?: {
                        container: string;
                        exitCode?: number;
                        finishedAt?: string;
                        message?: string;
                        pod: string;
                        reason?: string;
                        restarts: number;
                        signal?: number;
                        startedAt?: string;
                    }[];
                    final?: boolean;
                    finishedAt?: string;
                    observedAt: string;
                    /** @enum {string} */
                    phase: "Pending" | "Running" | "Succeeded" | "Failed" | "Queued";
                    pods: {
                        failed: number;
                        pending: number;
                        running: number;
                        succeeded: number;
                    };
                    problems: string[];
                    queue?: {
                        clusterQueue?: string;
                        message?: string;
                        position?: number;
                        reason: string;
                    };
                    reason?: string;
                    reclaimed?: number;
                    restarts?: number;
                    startedAt?: string;
                };
            };
            jobId: string;
            /** @enum {string} */
            status: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
            tenant: string;
            /** @enum {string} */
            type: "status";
        } | {
            at: string;
            jobId: string;
            tenant: string;
            /** @enum {string} */
            type: "workload";
            workload: {
                available?: boolean;
                containers?: {
                    container: string;
                    exitCode?: number;
                    finishedAt?: string;
                    message?: string;
                    pod: string;
                    reason?: string;
                    restarts: number;
                    signal?: number;
                    startedAt?: string;
                }[];
                final?: boolean;
                finishedAt?: string;
                observedAt: string;
                /** @enum {string} */
                phase: "Pending" | "Running" | "Succeeded" | "Failed" | "Queued";
                pods: {
                    failed: number;
                    pending: number;
                    running: number;
                    succeeded: number;
                };
                problems: string[];
                queue?: {
                    clusterQueue?: string;
                    message?: string;
                    position?: number;
                    reason: string;
                };
                reason?: string;
                reclaimed?: number;
                restarts?: number;
                startedAt?: string;
            };
        } | {
            at: string;
            jobId: string;
            reason: string;
            tenant: string;
            /** @enum {string} */
            type: "rollback_failed";
        };
        UsageReport: {
            from: string;
            jobs: {
                cpuCoreSeconds: number;
                /** @description core-, GiB- and GPU-hours at the rates; an estimate, not a bill */
                estimatedCostUsd: number;
                gpuSeconds: number;
                jobId: string;
                memoryGiBSeconds: number;
            }[];
            tenant: string;
            to: string;
            totals: {
                cpuCoreSeconds: number;
                /** @description core-, GiB- and GPU-hours at the rates; an estimate, not a bill */
                estimatedCostUsd: number;
                gpuSeconds: number;
                memoryGiBSeconds: number;
            };
            truncated: boolean;
        };
        WebhookCreate: {
            description?: string;
            outcomes?: ("Succeeded" | "Failed" | "Rejected")[];
            /** Format: uri */
            url: string;
        };
        WebhookList: {
            items: {
                createdAt: string;
                description?: string;
                id: string;
                lastDelivery?: {
                    at: string;
                    error?: string;
                    ok: boolean;
                    status?: number;
                };
                outcomes: ("Succeeded" | "Failed" | "Rejected")[];
                url: string;
            }[];
        };
        WebhookPayload: {
            at: string;
            deliveryId: string;
            job: {
                id: string;
                labels?: {
                    [key: string]: string;
                };
                name?: string;
                reason?: string;
                status: string;
                tenant: string;
                workload?: {
                    finishedAt?: string;
                    phase: string;
                    reason?: string;
                };
            };
            /** @enum {string} */
            outcome: "Succeeded" | "Failed" | "Rejected";
            /** @enum {string} */
            type: "job.finished";
            webhookId: string;
        };
        WebhookWithSecret: {
            createdAt: string;
            description?: string;
            id: string;
            lastDelivery?: {
                at: string;
                error?: string;
                ok: boolean;
                status?: number;
            };
            outcomes: ("Succeeded" | "Failed" | "Rejected")[];
            secret: string;
            url: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    platformActivity: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Activity across tenants */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PlatformActivity"];
                };
            };
            /** @description Not the operator's token (a tenant's token is refused here) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The operator view is off (OPERATOR_TOKEN unset) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    tenantEvents: {
        parameters: {
            query?: {
                /** @description false: the stored history only, then end */
                follow?: "true" | "false";
                /** @description Resume after this event id (as the Last-Event-ID header); `$` for new events only */
                lastEventId?: string;
            };
            header?: {
                /** @description Sent by EventSource on reconnect; wins over ?lastEventId */
                "Last-Event-ID"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream of StreamEvent */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description follow or Last-Event-ID is not valid */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many open streams on this server, or Redis unavailable; retry */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listJobs: {
        parameters: {
            query?: {
                /** @description A previous page's nextCursor, unchanged (opaque). Pages neither repeat nor skip jobs when jobs are created or removed in between */
                cursor?: string;
                /** @description Only jobs whose labels match this Kubernetes label selector (`team=nlp,env in (dev,test),!draft,gpus>1`). `key=value` and `key in (…)` (and `name`) are answered from per-tenant indexes, however old the jobs; the other forms are checked job by job among what those leave, or among all your jobs (at most 1000 per request) when nothing else narrows them. A page cut short by these bounds says so in `partial` */
                labelSelector?: string;
                limit?: number;
                /** @description Only jobs whose name starts with this (answered from a per-tenant name index) */
                name?: string;
                status?: "PENDING" | "APPLYING_IN_CLUSTER" | "DONE" | "REJECTED" | "FAILED" | "ROLLING_BACK" | "ROLLED_BACK";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobPage"];
                };
            };
            /** @description Bad filter (a label selector that does not parse says where), or a cursor that no page returned */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job's id, or a prefix of it of at least 8 characters (resolved within the caller's jobs: 409 with the candidates when several match, 400 when shorter) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description A job id prefix shorter than 8 characters */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such job (or another tenant's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The job id prefix matches several jobs: details.candidates lists them */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job's id, or a prefix of it of at least 8 characters (resolved within the caller's jobs: 409 with the candidates when several match, 400 when shorter) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Rollback requested (a second DELETE is harmless) */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description A job id prefix shorter than 8 characters */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such job (or another tenant's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The job id prefix matches several jobs: details.candidates lists them */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    jobEvents: {
        parameters: {
            query?: {
                /** @description false: the stored history only, then end */
                follow?: "true" | "false";
                /** @description Resume after this event id (as the Last-Event-ID header); `$` for new events only */
                lastEventId?: string;
            };
            header?: {
                /** @description Sent by EventSource on reconnect; wins over ?lastEventId */
                "Last-Event-ID"?: string;
            };
            path: {
                /** @description The job's id, or a prefix of it of at least 8 characters (resolved within the caller's jobs: 409 with the candidates when several match, 400 when shorter) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream; each event's data is a StreamEvent (JSON); the last one, `end`, is a StreamEnd */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description follow or Last-Event-ID is not valid */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such job (or another tenant's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many open streams on this server, or Redis unavailable; retry */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    jobLogs: {
        parameters: {
            query?: {
                /** @description Only this container */
                container?: string;
                /** @description Keep streaming while the containers run (live logs only) */
                follow?: "true" | "false";
                /** @description Live logs only: the previous instance of a restarted container */
                previous?: "true" | "false";
                /** @description Live logs only: the lines of the last N seconds (the API server's sinceSeconds) */
                sinceSeconds?: number;
                /** @description Only the last N lines of each container */
                tailLines?: number;
                /** @description Live logs only: each line starts with its RFC 3339 time */
                timestamps?: "true" | "false";
            };
            header?: never;
            path: {
                /** @description The job's id, or a prefix of it of at least 8 characters (resolved within the caller's jobs: 409 with the candidates when several match, 400 when shorter) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Plain text */
            200: {
                headers: {
                    /** @description `live` (from the cluster) or `saved` (from storage) */
                    "X-Log-Source"?: "live" | "saved";
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Bad query, or sinceSeconds/timestamps/previous asked of saved logs (they keep none of that) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such job, no logs (no pods and none saved), or the dry-run target (it runs nothing) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The containers have not started yet */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    jobManifests: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The job's id, or a prefix of it of at least 8 characters (resolved within the caller's jobs: 409 with the candidates when several match, 400 when shorter) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The manifests */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Manifests"];
                };
            };
            /** @description A job id prefix shorter than 8 characters */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such job (or another tenant's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The job id prefix matches several jobs: details.candidates lists them */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    resubmitJob: {
        parameters: {
            query?: {
                /** @description The job's labels as `key=value,key2=value2` (Kubernetes label keys and values; at most 16). Resubmit: replaces the old job's labels */
                labels?: string;
                /** @description The job's name, a DNS label (at most 63 characters). Default: derived from the first object, e.g. `job-pi` for Job/pi (resubmit: the old job's) */
                name?: string;
            };
            header?: {
                /** @description Retrying with the same key returns the same new job */
                "Idempotency-Key"?: string;
            };
            path: {
                /** @description The job's id, or a prefix of it of at least 8 characters (resolved within the caller's jobs: 409 with the candidates when several match, 400 when shorter) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Accepted; follow the Location header */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description A bad name or labels, or a job id prefix shorter than 8 characters */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such job (or another tenant's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The job id prefix matches several jobs: details.candidates lists them */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The old job's submission is no longer stored */
            410: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Broker, cache or storage unavailable; nothing was kept. Retry after Retry-After seconds */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    countJobs: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Counts per status */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatusCounts"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    queues: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The caller's ClusterQueue */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["QueueView"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The caller's tenant has no queue, or the API runs without a cluster */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The deployments cluster did not answer; retry after Retry-After seconds */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    listWebhooks: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The webhooks */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookList"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookCreate"];
            };
        };
        responses: {
            /** @description Registered; `secret` is shown in this answer only */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookWithSecret"];
                };
            };
            /** @description Not an https URL, a host that resolves to a private, loopback or link-local address, or an unknown outcome */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant has 10 webhooks already */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such webhook (or another tenant's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The webhook with its new secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookWithSecret"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No such webhook (or another tenant's) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    submitJob: {
        parameters: {
            query?: {
                /** @description true: parse and admit only, answer 200 with problems and warnings at once; no job is created, nothing is written */
                dryRun?: "true" | "false";
                /** @description The job's labels as `key=value,key2=value2` (Kubernetes label keys and values; at most 16). Resubmit: replaces the old job's labels */
                labels?: string;
                /** @description The job's name, a DNS label (at most 63 characters). Default: derived from the first object, e.g. `job-pi` for Job/pi (resubmit: the old job's) */
                name?: string;
            };
            header?: {
                /** @description Retrying with the same key returns the same job, never a second one (422 if the body differs) */
                "Idempotency-Key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/yaml": string;
                "multipart/form-data": {
                    files?: string[];
                };
                "text/yaml": string;
            };
        };
        responses: {
            /** @description Dry run (dryRun=true): the verdict; ok with empty problems when the job would be accepted */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DryRunResult"];
                };
            };
            /** @description Accepted; follow the Location header */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Empty body, YAML that cannot be parsed (details.problems has document and line), bad multipart, a name that is not a DNS label, labels that break Kubernetes' rules */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Missing or invalid bearer token (required whenever the service is not on loopback) */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description A request with the same Idempotency-Key is still being accepted */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Body, file count or file size over the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Content type is not YAML or multipart/form-data */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Idempotency-Key reused with a different body */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The tenant's rate limit was exceeded, or this client address failed authentication too often (it is refused, good token or not, until the window ends); retry after Retry-After seconds */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Broker, cache or storage unavailable; nothing was kept. Retry after Retry-After seconds */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}
