#!/usr/bin/env node
// kubeconfig `exec` plugin for the Cluster Applier inside GKE: prints an ExecCredential with
// the pod's Google access token (Workload Identity, from the metadata server). It replaces
// gke-gcloud-auth-plugin, which needs gcloud, in a small Node image.
const res = await fetch("http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token", {
  headers: { "Metadata-Flavor": "Google" },
});
if (!res.ok) {
  console.error(`metadata server answered ${res.status}: is Workload Identity set up for this pod?`);
  process.exit(1);
}
const { access_token: token, expires_in: seconds } = await res.json();
console.log(
  JSON.stringify({
    apiVersion: "client.authentication.k8s.io/v1beta1",
    kind: "ExecCredential",
    status: { token, expirationTimestamp: new Date(Date.now() + (seconds - 60) * 1000).toISOString() },
  }),
);
