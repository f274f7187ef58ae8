import { PORTS } from "../../apps/shared/contract";

/**
 * Fluent Bit's pipeline sections that only the program knows: the cluster's name added to
 * every record, and the output to Logstash. Plugin names and keys as Fluent Bit 4.1 (the
 * fluent/fluent-bit chart 0.54.0's appVersion) defines them:
 * - `modify` is a filter (fluent/fluent-bit@v4.1.0:plugins/filter_modify/modify.c, key `Add`);
 *   declared as an output it aborts Fluent Bit at start-up.
 * - `http` is an output (plugins/out_http/http.c): `format json` posts a JSON array of
 *   records, which Logstash's `http` input turns into one event per element; `json_date_key`
 *   names the timestamp field, `@timestamp` as Elasticsearch data streams require.
 * We ship over HTTP rather than `forward`: Logstash has no `forward` input, and its `beats`
 * input does not speak Fluent Bit's protocol.
 */
export const clusterFilter = (clusterName: string): string => `[FILTER]
    Name modify
    Match kube.*
    Add cluster ${clusterName}
`;

export const logstashOutput = (logstashIp: string): string => `[OUTPUT]
    Name http
    Match kube.*
    Host ${logstashIp}
    Port ${PORTS.logstashHttp}
    URI /
    Format json
    Json_Date_Key @timestamp
    Json_Date_Format iso8601
    Retry_Limit False
`;
