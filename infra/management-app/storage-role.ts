import { STORAGE_PERMISSIONS } from "../../apps/shared/contract";

/**
 * The role the services that use storage get on the jobs bucket, and the permissions it holds
 * as Google documents them (https://cloud.google.com/storage/docs/access-control/iam-roles,
 * "Storage Object User"). It has no `storage.buckets.*` permission: a bucket GET fails.
 */
export const STORAGE_ROLE = "roles/storage.objectUser";
export const STORAGE_ROLE_PERMISSIONS: readonly string[] = [
  "orgpolicy.policy.get",
  "resourcemanager.projects.get",
  "storage.managedFolders.create",
  "storage.managedFolders.delete",
  "storage.managedFolders.get",
  "storage.managedFolders.list",
  "storage.multipartUploads.abort",
  "storage.multipartUploads.create",
  "storage.multipartUploads.list",
  "storage.multipartUploads.listParts",
  "storage.objects.create",
  "storage.objects.delete",
  "storage.objects.get",
  "storage.objects.list",
  "storage.objects.restore",
  "storage.objects.update",
];

/** What the app's store needs that the role lacks; empty when the grant is enough. */
export const missingStoragePermissions = (held: readonly string[] = STORAGE_ROLE_PERMISSIONS): string[] => STORAGE_PERMISSIONS.filter((p) => !held.includes(p));
