/**
 * npm run dlq:redrive -- <queue> [max]
 * Sends a service queue's dead-lettered messages back to that queue (redrive.ts).
 * Uses AMQP_URL and NAME_PREFIX like the services.
 */
import { SERVICE_QUEUES, type ServiceQueue } from "../contract";
import { redrive } from "./redrive";

const [service, max] = process.argv.slice(2);
if (!service || !SERVICE_QUEUES.includes(service as ServiceQueue) || (max !== undefined && !/^[1-9]\d*$/.test(max))) {
  console.error(`usage: npm run dlq:redrive -- <${SERVICE_QUEUES.join("|")}> [max, a positive whole number]`);
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
