import type { Logger } from "../logging/logger";
import { Broker } from "./broker";

interface MessagingSettings {
  AMQP_URL: string;
  NAME_PREFIX: string;
  PREFETCH: number;
  DELIVERY_LIMIT: number;
  /** Only the entrypoint bounds it tightly (a client waits); consumers keep the default. */
  CONFIRM_TIMEOUT_MS?: number;
}

/** A service's broker connection, from its parsed env. */
export const connectBroker = (env: MessagingSettings, service: string, logger: Logger) =>
  Broker.connect({
    url: env.AMQP_URL,
    prefix: env.NAME_PREFIX,
    prefetch: env.PREFETCH,
    deliveryLimit: env.DELIVERY_LIMIT,
    confirmTimeoutMs: env.CONFIRM_TIMEOUT_MS,
    service,
    logger,
  });
