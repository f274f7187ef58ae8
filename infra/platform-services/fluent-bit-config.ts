import { PORTS } from "../../apps/shared/contract";
import { TLS_KEYS } from "./mutual-tls";

/**
 * The record key that routes a log line to its data stream. The kubernetes filter's
 * `Merge_Log On` puts a container's own JSON keys at the top level of the record
 * (fluent/fluent-bit@v4.1.0:plugins/filter_kubernetes/kubernetes.c, merge_log without
 * merge_log_key), so a container can write any key, this one included: the filter below
 * overwrites it (`Set`), and Logstash accepts only the cluster names it knows.
 */
export const ROUTING_KEY = "platform_cluster";

/**
 * Fluent Bit's pipeline sections that only the program knows: the cluster's name set on
 * every record, and the output to Logstash. Plugin names and keys as Fluent Bit 4.1 (the
 * fluent/fluent-bit chart 0.54.0's appVersion) defines them:
 * - `modify` is a filter (fluent/fluent-bit@v4.1.0:plugins/filter_modify/modify.c); declared as
 *   an output it aborts Fluent Bit at start-up. Its `Add` writes a key only if the record does
 *   not have it yet (apply_rule_ADD), `Set` replaces it (apply_rule_SET): with `Add`, a job that
 *   prints `{"platform_cluster":"management"}` would choose the stream its logs go to.
 * - `http` is an output (plugins/out_http/http.c): `format json` posts a JSON array of
 *   records, which Logstash's `http` input turns into one event per element; `json_date_key`
 *   names the timestamp field, `@timestamp` as Elasticsearch data streams require.
 * We ship over HTTP rather than `forward`: Logstash has no `forward` input, and its `beats`
 * input does not speak Fluent Bit's protocol.
 */
export const clusterFilter = (clusterName: string): string => `[FILTER]
    Name modify
    Match kube.*
    Set ${ROUTING_KEY} ${clusterName}
`;

/**
 * Basic-auth credentials of Logstash's http input, in the environment of Fluent Bit's container
 * (from a Secret the program creates) and of Logstash's (from its own copy). Fluent Bit expands
 * `${VAR}` in its classic config from the environment; the http output's `HTTP_User` /
 * `HTTP_Passwd` send them (fluent/fluent-bit@v4.1.0:plugins/out_http/http.c, config_map).
 */
export const LOGSTASH_AUTH_ENV = { user: "LOGSTASH_HTTP_USER", password: "LOGSTASH_HTTP_PASSWORD" } as const;
export const LOGSTASH_HTTP_USER = "fluent-bit";

/** Where the Fluent Bit pods mount their client certificate, its key and the logs authority. */
export const FLUENT_BIT_TLS_DIR = "/fluent-bit/platform-tls";

/**
 * Over TLS with a client certificate (fluent/fluent-bit@v4.1.0:src/flb_output.c, `tls`,
 * `tls.verify`, `tls.ca_file`, `tls.crt_file`, `tls.key_file`). `tls.verify` (on by default,
 * src/tls/flb_tls.c) checks Logstash's chain against the logs authority alone: only Logstash
 * holds a certificate it issued. The name is not checked: `tls.verify_hostname` (off by
 * default) compares DNS names only (src/tls/openssl.c, X509_VERIFY_PARAM_set1_host), and we
 * dial an IP address.
 */
export const logstashOutput = (logstashIp: string): string => `[OUTPUT]
    Name http
    Match kube.*
    Host ${logstashIp}
    Port ${PORTS.logstashHttp}
    tls On
    tls.verify On
    tls.ca_file ${FLUENT_BIT_TLS_DIR}/${TLS_KEYS.ca}
    tls.crt_file ${FLUENT_BIT_TLS_DIR}/${TLS_KEYS.cert}
    tls.key_file ${FLUENT_BIT_TLS_DIR}/${TLS_KEYS.key}
    URI /
    HTTP_User \${${LOGSTASH_AUTH_ENV.user}}
    HTTP_Passwd \${${LOGSTASH_AUTH_ENV.password}}
    Format json
    Json_Date_Key @timestamp
    Json_Date_Format iso8601
    Retry_Limit False
`;
