import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { LOGSTASH_AUTH_ENV, LOGSTASH_HTTP_USER } from "./fluent-bit-config";

export const LOGSTASH_AUTH_SECRET = "logstash-http-auth";

/** The Logstash http input's credentials as a Secret in one namespace (each side has its copy). */
export const logstashAuthSecret = (name: string, namespace: string, password: pulumi.Output<string>, opts: pulumi.CustomResourceOptions) =>
  new k8s.core.v1.Secret(name, { metadata: { name: LOGSTASH_AUTH_SECRET, namespace }, stringData: { username: LOGSTASH_HTTP_USER, password } }, opts);

/** The container env that reads them (Fluent Bit's config and Logstash's pipeline expand these names). */
export const authEnv = () => [
  { name: LOGSTASH_AUTH_ENV.user, valueFrom: { secretKeyRef: { name: LOGSTASH_AUTH_SECRET, key: "username" } } },
  { name: LOGSTASH_AUTH_ENV.password, valueFrom: { secretKeyRef: { name: LOGSTASH_AUTH_SECRET, key: "password" } } },
];
