/**
 * Sizes the Kubernetes API server itself enforces; a job bigger than these is refused at
 * submit instead of failing in the cluster.
 *
 * - An object larger than etcd's request limit (1.5 MiB, etcd `--max-request-bytes` default,
 *   https://etcd.io/docs/v3.5/dev-guide/limit/) cannot be stored.
 * - ConfigMap and Secret data may hold at most 1 MiB in total (kubernetes/kubernetes
 *   pkg/apis/core/validation/validation.go: ValidateConfigMap and ValidateSecret refuse
 *   `totalSize > core.MaxSecretSize`, 1 MiB, summed over the values).
 */
export const API_OBJECT_MAX_BYTES = 1.5 * 1024 * 1024;
export const CONFIG_DATA_MAX_BYTES = 1024 * 1024;
/** What one submission may expand to after aliases, all documents together. */
export const SUBMISSION_DECODED_MAX_BYTES = 8 * 1024 * 1024;
