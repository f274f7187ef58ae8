/**
 * Plugin names Fluent Bit 4.1.0 registers (the image of chart fluent-bit 0.54.0, appVersion
 * 4.1.0), by section: the `.name` of each plugin under fluent/fluent-bit@v4.1.0:plugins/
 * (in_*, filter_*, out_*). Fluent Bit refuses to start on a name it does not know in that
 * section, e.g. `modify` (a filter) as an [OUTPUT].
 */
export const FLUENT_BIT_PLUGINS = {
  version: "4.1.0",
  INPUT: "blob calyptia_fleet collectd cpu disk docker docker_events dummy ebpf elasticsearch emitter event_test event_type exec exec_wasi fluentbit_metrics forward gpu_metrics head health http kafka kmsg kubernetes_events lib mem mqtt netif nginx_metrics node_exporter_metrics opentelemetry proc process_exporter_metrics prometheus_remote_write prometheus_scrape prometheus_textfile random serial splunk statsd stdin storage_backlog stream_processor syslog systemd tail tcp thermal udp unix_socket windows_exporter_metrics winevtlog winlog winstat",
  FILTER: "alter_size aws checklist ecs expect geoip2 grep kubernetes log_to_metrics lua modify multiline nest nightfall parser record_modifier rewrite_tag stdout sysinfo tensorflow throttle throttle_size type_converter wasm",
  OUTPUT: "azure azure_blob azure_kusto azure_logs_ingestion bigquery calyptia chronicle cloudwatch_logs counter datadog es exit file flowcounter forward gelf http influxdb kafka kinesis_firehose kinesis_streams lib logdna loki nats nrlogs null opensearch opentelemetry oracle_log_analytics pgsql plot prometheus_exporter prometheus_remote_write retry s3 skywalking slack splunk stackdriver stdout syslog tcp td udp vivo_exporter websocket",
} as const;

/**
 * Properties Fluent Bit 4.1.0 accepts, which it checks at start-up ("unknown configuration
 * property" fails the plugin's init: src/flb_config_map.c, flb_config_map_properties_check).
 * Keys are case-insensitive; a name ending in `_` is a prefix (tail's `parser_N`).
 * - Every section: the keys its instance takes itself (`*_set_property` and the global config
 *   maps in src/flb_input.c, src/flb_filter.c, src/flb_output.c; outputs' `net.*` keys in
 *   src/flb_upstream.c).
 * - Each plugin: the names in its `config_map[]`, for the plugins we use. A plugin not listed
 *   here fails the check until someone reads its config map.
 */
const SECTION_PROPERTIES: Record<Section, string> = {
  INPUT:
    "name tag log_level log_suppress_interval routable alias mem_buf_limit listen host port ipv6 tls tls.verify tls.verify_hostname tls.debug tls.vhost tls.ca_path tls.ca_file tls.crt_file tls.key_file tls.key_passwd tls.min_version tls.max_version tls.ciphers storage.type threaded thread.ring_buffer.capacity thread.ring_buffer.window storage.pause_on_chunks_overlimit",
  FILTER: "name match match_regex alias log_level log_suppress_interval",
  OUTPUT:
    "name match match_regex alias log_level log_suppress_interval host port ipv6 retry_limit tls tls.verify tls.verify_hostname tls.debug tls.vhost tls.ca_path tls.ca_file tls.crt_file tls.key_file tls.key_passwd tls.min_version tls.max_version tls.ciphers storage.total_limit_size workers net.dns.mode net.dns.resolver net.dns.prefer_ipv4 net.dns.prefer_ipv6 net.keepalive net.keepalive_idle_timeout net.tcp_keepalive net.tcp_keepalive_time net.tcp_keepalive_interval net.tcp_keepalive_probes net.io_timeout net.connect_timeout net.connect_timeout_log_error net.source_address net.keepalive_max_recycle net.max_worker_connections net.proxy_env_ignore",
};
const PLUGIN_PROPERTIES: Partial<Record<`${Section} ${string}`, string>> = {
  // plugins/in_tail/tail.c
  "INPUT tail":
    "path exclude_path key read_from_head read_newly_discovered_files_from_head refresh_interval watcher_interval progress_check_interval progress_check_interval_nsec rotate_wait docker_mode docker_mode_flush docker_mode_parser path_key offset_key ignore_older ignore_active_older_files buffer_chunk_size buffer_max_size static_batch_size event_batch_size skip_long_lines exit_on_eof skip_empty_lines file_cache_advise inotify_watcher parser tag_regex db db.sync db.locking db.journal_mode db.compare_filename multiline multiline_flush parser_firstline parser_ multiline.parser unicode.encoding generic.encoding",
  // plugins/filter_kubernetes/kubernetes.c
  "FILTER kubernetes":
    "buffer_size tls.debug tls.verify tls.vhost tls.verify_hostname merge_log merge_parser merge_log_key merge_log_trim keep_log kube_url kube_meta_preload_cache_dir kube_ca_file kube_ca_path kube_tag_prefix kube_token_file kube_token_command labels annotations owner_references namespace_labels namespace_annotations namespace_metadata_only k8s-logging.parser k8s-logging.exclude use_journal regex_parser dummy_meta dns_retries dns_wait_time cache_use_docker_id use_tag_for_meta use_kubelet kubelet_host kubelet_port kube_token_ttl kube_meta_cache_ttl kube_meta_namespace_cache_ttl set_platform",
  // plugins/filter_modify/modify.c
  "FILTER modify": "set add remove remove_wildcard remove_regex move_to_start move_to_end rename hard_rename copy hard_copy condition",
  // plugins/out_forward/forward.c
  "OUTPUT forward": "time_as_integer retain_metadata_in_forward_mode shared_key self_hostname empty_shared_key send_options require_ack_response username password unix_path upstream tag compress fluentd_compat add_option",
  // plugins/out_http/http.c
  "OUTPUT http":
    "proxy allow_duplicated_headers log_response_payload http.response_timeout http.read_idle_timeout http_user http_passwd aws_auth aws_service header_tag format json_date_format json_date_key compress header uri gelf_timestamp_key gelf_host_key gelf_short_message_key gelf_full_message_key gelf_level_key body_key headers_key",
};

const accepts = (names: string, key: string) => names.split(" ").some((n) => n === key || (n.endsWith("_") && key.startsWith(n)));

type Section = "INPUT" | "FILTER" | "OUTPUT";
const known = (section: Section) => new Set(FLUENT_BIT_PLUGINS[section].split(" "));

/**
 * Sections of a classic-mode Fluent Bit config (`[OUTPUT]` then indented `Key value` lines),
 * as the chart's config.inputs/filters/outputs hold them.
 */
export const fluentBitSections = (text: string): { section: string; entries: Record<string, string> }[] => {
  const sections: { section: string; entries: Record<string, string> }[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const header = /^\[([A-Z_]+)\]$/.exec(line);
    if (header) sections.push({ section: header[1]!, entries: {} });
    else if (sections.length) {
      const [key, ...rest] = line.split(/\s+/);
      sections.at(-1)!.entries[key!.toLowerCase()] = rest.join(" ");
    }
  }
  return sections;
};

/** Plugins named in a config that Fluent Bit does not have in that section. */
export const fluentBitProblems = (text: string): string[] =>
  fluentBitSections(text).flatMap(({ section, entries }) => {
    if (section !== "INPUT" && section !== "FILTER" && section !== "OUTPUT") return [];
    const name = entries.name;
    if (!name) return [`[${section}] without a Name`];
    if (known(section).has(name)) {
      const own = PLUGIN_PROPERTIES[`${section} ${name}`];
      if (own === undefined) return [`[${section}] ${name}: its properties are not recorded; read its config_map at fluent/fluent-bit@v${FLUENT_BIT_PLUGINS.version} and add them`];
      return Object.keys(entries)
        .filter((key) => !accepts(SECTION_PROPERTIES[section], key) && !accepts(own, key))
        .map((key) => `[${section}] ${name}: Fluent Bit ${FLUENT_BIT_PLUGINS.version} refuses to start on the unknown property ${key}`);
    }
    const elsewhere = (["INPUT", "FILTER", "OUTPUT"] as const).filter((s) => known(s).has(name));
    return [`[${section}] ${name}: Fluent Bit ${FLUENT_BIT_PLUGINS.version} has no such ${section.toLowerCase()} plugin${elsewhere.length ? ` (it is a ${elsewhere.join("/").toLowerCase()} plugin)` : ""}`];
  });
