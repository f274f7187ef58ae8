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
    if (known(section).has(name)) return [];
    const elsewhere = (["INPUT", "FILTER", "OUTPUT"] as const).filter((s) => known(s).has(name));
    return [`[${section}] ${name}: Fluent Bit ${FLUENT_BIT_PLUGINS.version} has no such ${section.toLowerCase()} plugin${elsewhere.length ? ` (it is a ${elsewhere.join("/").toLowerCase()} plugin)` : ""}`];
  });
