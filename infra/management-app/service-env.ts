import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ServiceEnvInput, ServiceName } from "../../apps/shared/contract";

/** A value read from the app's Kubernetes Secret instead of written into the Deployment. */
export interface FromSecret {
  secretKey: string;
}
const isFromSecret = (v: unknown): v is FromSecret => typeof v === "object" && v !== null && "secretKey" in v;

/**
 * A service's environment as the Deployment receives it: every key of the service's schema
 * (from the shared contract) must be decided here — a value, a Secret key, or `undefined` to
 * leave it unset. Adding a variable to a service without deciding it here fails to compile.
 */
export type EnvSpec<S extends ServiceName> = { [K in keyof ServiceEnvInput<S>]-?: pulumi.Input<string> | FromSecret | undefined };

export const toEnvVars = <S extends ServiceName>(spec: EnvSpec<S>, secretName: pulumi.Input<string>): k8s.types.input.core.v1.EnvVar[] =>
  Object.entries(spec as Record<string, pulumi.Input<string> | FromSecret | undefined>)
    .filter(([, v]) => v !== undefined)
    .map(([name, v]) => (isFromSecret(v) ? { name, valueFrom: { secretKeyRef: { name: secretName, key: v.secretKey } } } : { name, value: v as pulumi.Input<string> }));
