import * as gcp from "@pulumi/gcp";
import * as pulumi from "@pulumi/pulumi";

/**
 * The Google APIs the program's resources call, by the provider module of their type
 * (`gcp:<module>/...`). A resource of a module not listed here fails test/infra/project-apis.test.ts.
 */
export const API_OF_MODULE = {
  compute: "compute.googleapis.com",
  container: "container.googleapis.com",
  serviceaccount: "iam.googleapis.com",
  projects: "cloudresourcemanager.googleapis.com",
  storage: "storage.googleapis.com",
  certificatemanager: "certificatemanager.googleapis.com",
  dns: "dns.googleapis.com",
} as const;

/**
 * APIs that what runs on the platform calls, not the program: Workload Identity exchanges
 * tokens through the IAM Service Account Credentials API
 * (https://cloud.google.com/kubernetes-engine/docs/how-to/workload-identity, "Before you begin"),
 * and nodes pull the app's image from Artifact Registry.
 */
export const RUNTIME_APIS = ["iamcredentials.googleapis.com", "artifactregistry.googleapis.com"] as const;

export const PROJECT_APIS = [...new Set([...Object.values(API_OF_MODULE), ...RUNTIME_APIS])].sort();
export type GoogleApi = (typeof API_OF_MODULE)[keyof typeof API_OF_MODULE] | (typeof RUNTIME_APIS)[number];

let enabled: Partial<Record<GoogleApi, gcp.projects.Service>> = {};

/**
 * One `gcp.projects.Service` per API, each left enabled at destroy (`disableOnDestroy: false`):
 * the provider's default disables the API when the resource goes, which races the deletion of
 * everything else that uses it and breaks whatever else in the project uses it
 * (hashicorp/terraform-provider-google google_project_service: disable_on_destroy, default true).
 * `serviceusage.googleapis.com`, which these calls go through, is enabled by default in a new
 * project (https://cloud.google.com/service-usage/docs/enabled-service); see
 * docs/network-and-reachability.md for a project where it is not.
 */
export class ProjectApis extends pulumi.ComponentResource {
  readonly services = {} as Record<GoogleApi, gcp.projects.Service>;

  constructor(name: string, args: { project: string }, opts?: pulumi.ComponentResourceOptions) {
    super("platform:project:ProjectApis", name, {}, opts);
    for (const api of PROJECT_APIS as GoogleApi[]) {
      this.services[api] = new gcp.projects.Service(
        `${name}-${api.split(".")[0]}`,
        { project: args.project, service: api, disableOnDestroy: false, disableDependentServices: false },
        { parent: this },
      );
    }
    enabled = this.services;
    this.registerOutputs({});
  }
}

/**
 * What a resource calling these APIs must wait for: its `dependsOn`. Empty until the program
 * created `ProjectApis` (components used on their own, e.g. in unit tests, need none).
 */
export const needsApis = (...apis: GoogleApi[]): pulumi.Resource[] => apis.flatMap((a) => (enabled[a] ? [enabled[a]] : []));
