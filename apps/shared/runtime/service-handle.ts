import type { Router } from "express";
import type { Gate } from "../http/load-shedder";

/** A named dependency check for GET /readyz. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

/** What a started service gives its host process (a pod of its own, or the local runner). */
export interface ServiceHandle {
  name: string;
  /** HTTP routes beyond health, readiness and metrics. */
  routes?: Router;
  /** Run on every raw request before express, in order; each may answer it (load shedding). */
  gates?: Gate[];
  readiness: ReadinessCheck[];
  /** Called when the server stops taking requests: end long-lived responses (event streams) so it can close. */
  closeStreams?(): void;
  /** Stop taking work, finish what is in flight, release connections. */
  stop(): Promise<void>;
}
