import type { Manifest } from "./cluster-target";

/**
 * Fields the API server writes and does not take back: `kubectl get -o yaml` output carries them.
 * Server-side apply refuses `metadata.managedFields` (kubernetes/apimachinery@v0.36.3
 * pkg/util/managedfields/internal/structuredmerge.go: "metadata.managedFields must be nil") and
 * treats `uid` and `resourceVersion` as preconditions (kubernetes/apiserver@v0.36.3
 * pkg/endpoints/handlers/patch.go applyPatch, pkg/registry/generic/registry/store.go Update), which
 * an object from another cluster or an older copy can never meet; the rest is ignored or
 * overwritten by the server. The job's own fields are all kept.
 */
const SERVER_METADATA = ["managedFields", "uid", "resourceVersion", "creationTimestamp", "generation", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"];

/** The object as it may be sent with server-side apply (a copy). */
export const withoutServerFields = (manifest: Manifest): Manifest => {
  const { status: _status, ...rest } = manifest;
  const metadata = { ...(rest.metadata as Record<string, unknown>) };
  for (const f of SERVER_METADATA) delete metadata[f];
  return { ...rest, metadata };
};
