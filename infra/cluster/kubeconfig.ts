import * as pulumi from "@pulumi/pulumi";

/**
 * A kubeconfig that authenticates with `gke-gcloud-auth-plugin` (short-lived Google tokens,
 * no static credentials) against the cluster's DNS-based endpoint, whose certificate is
 * publicly trusted, so no CA data is needed.
 */
export const gkeKubeconfig = (clusterName: pulumi.Input<string>, dnsEndpoint: pulumi.Input<string>): pulumi.Output<string> =>
  pulumi.interpolate`apiVersion: v1
kind: Config
clusters:
  - name: ${clusterName}
    cluster:
      server: https://${dnsEndpoint}
contexts:
  - name: ${clusterName}
    context:
      cluster: ${clusterName}
      user: ${clusterName}
current-context: ${clusterName}
users:
  - name: ${clusterName}
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1beta1
        command: gke-gcloud-auth-plugin
        installHint: Install gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin)
        provideClusterInfo: true
        interactiveMode: Never
`;
