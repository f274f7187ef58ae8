import * as k8s from "@kubernetes/client-node";

/**
 * Credentials for the deployments cluster, for every service that calls it (the applier, the
 * public API's live logs): a kubeconfig file, or the pod's own service account when no path is
 * given. In a pod the kubeconfig infra writes names an exec credential plugin
 * (`scripts/gke-exec-credential.mjs`: a Google access token from the pod's Workload Identity),
 * which client-node runs itself.
 */
export const loadKubeConfig = (path: string): k8s.KubeConfig => {
  const kc = new k8s.KubeConfig();
  if (path) kc.loadFromFile(path);
  else kc.loadFromCluster();
  return kc;
};
