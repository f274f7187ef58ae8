import { CLUSTERS, PORTS } from "../../apps/shared/contract";
import { LOGSTASH_AUTH_ENV, ROUTING_KEY } from "./fluent-bit-config";
import { TLS_KEYS } from "./mutual-tls";

/** The name our Elasticsearch reference has in the Logstash resource; ECK derives env var names from it. */
export const ES_CLUSTER_NAME = "eck";
/** ECK's env var prefix for that reference: upper case, '-' as '_' (elastic/cloud-on-k8s@v3.2.0:pkg/controller/logstash/env.go, normalize). */
const ES = ES_CLUSTER_NAME.toUpperCase().replace(/-/g, "_");

/** Where the http input's certificate, key and client authority are mounted in the Logstash pods. */
export const LOGSTASH_TLS_DIR = "/usr/share/logstash/platform-tls";
/** Where the index template is mounted in the Logstash pods. */
export const TEMPLATE_DIR = "/usr/share/logstash/index-templates";
export const TEMPLATE_FILE = "logs-platform.json";
/** Data streams `logs-platform-<cluster>`: one per cluster, all under one template. */
export const LOG_STREAM_PREFIX = "logs-platform-";
/** The stream of records whose routing key is not a cluster we know (none, if Fluent Bit works). */
export const UNATTRIBUTED_STREAM = "unattributed";
/**
 * Every data stream Logstash may write: a closed set, so no record can create indices
 * (Elasticsearch refuses new ones past `cluster.max_shards_per_node`, for everyone).
 */
export const LOG_STREAMS = [...CLUSTERS, UNATTRIBUTED_STREAM].map((c) => `${LOG_STREAM_PREFIX}${c}`);

/**
 * Elasticsearch's built-in ILM policies that delete data after N days ("Built in ILM policies
 * for users to use": elastic/elasticsearch x-pack/plugin/stack StackTemplateRegistry,
 * `7-days@lifecycle` ... `365-days@lifecycle`; rollover, then delete at the named age).
 */
export const LOG_RETENTION_POLICIES = { 7: "7-days@lifecycle", 30: "30-days@lifecycle", 90: "90-days@lifecycle" } as const;
export type LogRetentionDays = keyof typeof LOG_RETENTION_POLICIES;

/**
 * The composable index template Logstash installs (its `template` option; the ECK Logstash user
 * may, having `manage_index_templates`): every `logs-platform-*` name becomes a data stream
 * managed by an ILM policy that expires it. Priority above the built-in `logs-*-*` template (100).
 */
export const indexTemplate = (retentionDays: LogRetentionDays) => ({
  index_patterns: [`${LOG_STREAM_PREFIX}*`],
  priority: 200,
  data_stream: {},
  template: {
    settings: { "index.lifecycle.name": LOG_RETENTION_POLICIES[retentionDays] },
    mappings: { properties: { "@timestamp": { type: "date" }, [ROUTING_KEY]: { type: "keyword" } } },
  },
});

/**
 * The Logstash pipeline: Fluent Bit's JSON over HTTP in, Elasticsearch out. Credentials, URL
 * and CA come from ECK's association (`elasticsearchRefs`), never from us: ECK sets
 * `<CLUSTER>_ES_HOSTS`, `_ES_USER`, `_ES_PASSWORD` (from its own Secret) and
 * `_ES_SSL_CERTIFICATE_AUTHORITY` (elastic/cloud-on-k8s@v3.2.0:pkg/controller/logstash/env.go,
 * config/samples/logstash/logstash_es.yaml). Its user may write `logs-*`
 * (pkg/controller/elasticsearch/user/roles.go, eck_logstash_user_role).
 * Data streams take only `create` actions.
 *
 * The http input takes only TLS connections whose client presents a certificate of the logs
 * authority (MutualTls "logs": Fluent Bit's), and on them only requests with the basic-auth
 * credentials Fluent Bit sends (`ssl_enabled`, `ssl_certificate`, `ssl_key` in PKCS#8,
 * `ssl_certificate_authorities`, `ssl_client_authentication => "required"`, `user`, `password`:
 * https://www.elastic.co/guide/en/logstash/current/plugins-inputs-http.html), the password from
 * the environment (Logstash expands `${VAR}` in pipelines:
 * https://www.elastic.co/guide/en/logstash/current/environment-variables.html).
 *
 * The index comes from `[@metadata][stream]`, which the filter always replaces (`replace`, not
 * `add_field`: the json codec turns a record's own `@metadata` key into event metadata) with one
 * of the known cluster names, or `unattributed`. Conditionals' `in` with a list literal:
 * https://www.elastic.co/guide/en/logstash/current/event-dependent-configuration.html#conditionals
 */
export const logstashPipeline = (): string => `input {
  http {
    port => ${PORTS.logstashHttp}
    ssl_enabled => true
    ssl_certificate => "${LOGSTASH_TLS_DIR}/${TLS_KEYS.cert}"
    ssl_key => "${LOGSTASH_TLS_DIR}/${TLS_KEYS.key}"
    ssl_certificate_authorities => ["${LOGSTASH_TLS_DIR}/${TLS_KEYS.ca}"]
    ssl_client_authentication => "required"
    user => "\${${LOGSTASH_AUTH_ENV.user}}"
    password => "\${${LOGSTASH_AUTH_ENV.password}}"
    additional_codecs => { "application/json" => "json" }
  }
}
filter {
  if [${ROUTING_KEY}] in [${CLUSTERS.map((c) => `"${c}"`).join(", ")}] {
    mutate { replace => { "[@metadata][stream]" => "%{[${ROUTING_KEY}]}" } }
  } else {
    mutate { replace => { "[@metadata][stream]" => "${UNATTRIBUTED_STREAM}" } }
  }
}
output {
  elasticsearch {
    hosts => ["\${${ES}_ES_HOSTS}"]
    user => "\${${ES}_ES_USER}"
    password => "\${${ES}_ES_PASSWORD}"
    ssl_enabled => true
    ssl_certificate_authorities => "\${${ES}_ES_SSL_CERTIFICATE_AUTHORITY}"
    data_stream => false
    ilm_enabled => false
    action => "create"
    index => "${LOG_STREAM_PREFIX}%{[@metadata][stream]}"
    manage_template => true
    template_api => "composable"
    template_name => "logs-platform"
    template => "${TEMPLATE_DIR}/${TEMPLATE_FILE}"
    template_overwrite => true
  }
}
`;
