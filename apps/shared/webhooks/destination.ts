import { lookup } from "node:dns/promises";
import ipaddr from "ipaddr.js";
import { useAgent } from "request-filtering-agent";
import { badRequest } from "../errors/app-error";

/**
 * Where a webhook may point. Outside local mode: https only, and only public unicast
 * addresses. Checked twice: when the webhook is registered (every address the name resolves to
 * now, for a clear 400), and on each delivery on the address actually connected to
 * (request-filtering-agent's agent checks the socket's address at connect time, so a name that
 * resolves differently later, DNS rebinding, is refused then).
 */
export interface DestinationPolicy {
  allowPrivate: boolean;
}

const isPublic = (address: string): boolean => {
  if (!ipaddr.isValid(address)) return false;
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) ip = (ip as ipaddr.IPv6).toIPv4Address();
  return ip.range() === "unicast";
};

/** The URL checked for registration; throws a 400 saying what to fix. */
export const checkDestination = async (raw: string, policy: DestinationPolicy): Promise<URL> => {
  const url = new URL(raw);
  if (url.protocol !== "https:" && !(policy.allowPrivate && url.protocol === "http:")) throw badRequest(`webhook url must use https (got ${url.protocol.replace(":", "")})`);
  if (url.username || url.password) throw badRequest("webhook url must not carry a user or password; the signature authenticates deliveries");
  if (policy.allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch (err) {
    throw badRequest(`webhook host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); give a public host name`);
  }
  const blocked = addresses.filter((a) => !isPublic(a));
  if (addresses.length === 0 || blocked.length > 0) {
    throw badRequest(`webhook host ${host} resolves to ${blocked.join(", ") || "nothing"}: private, loopback, link-local and other non-public addresses are not allowed`);
  }
  return url;
};

/** The agent a delivery connects through: refuses non-public addresses at connect time unless allowed. */
export const deliveryAgent = (url: string, policy: DestinationPolicy) =>
  useAgent(url, { keepAlive: false, allowPrivateIPAddress: policy.allowPrivate, allowMetaIPAddress: false });
