/**
 * npm run dlq:redrive -- <yaml-manager|cluster-applier|status-worker> [max]
 * Uses AMQP_URL and NAME_PREFIX like the services.
 */
import { SERVICE_QUEUES, type ServiceQueue } from "../contract";
import { redrive } from "./redrive";

const [service, max] = process.argv.slice(2);
if (!service || !SERVICE_QUEUES.includes(service as ServiceQueue)) {
  console.error(`usage: npm run dlq:redrive -- <${SERVICE_QUEUES.join("|")}> [max]`);
  process.exit(2);
}
redrive({
  url: process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672",
  prefix: process.env.NAME_PREFIX ?? "cp",
  service: service as ServiceQueue,
  max: max ? Number(max) : undefined,
}).then(
  (n) => console.log(JSON.stringify({ service, redriven: n })),
  (err: Error) => {
    console.error(JSON.stringify({ service, error: err.message }));
    process.exit(1);
  },
);
