import type { WebhookOutcome, WebhookView, WebhookWithSecret } from "../shared/contract";
import { reach, failed, type Ctx } from "./commands";
import { EXIT, type ExitCode } from "./exit-codes";
import { formatStructured, formatTime, table, type Output, type TableOptions } from "./output";

/**
 * `cpctl webhook …`: a tenant's webhooks (POST/GET /webhooks, DELETE /webhooks/:id,
 * POST /webhooks/:id/secret). A secret is in the API's answer once, when created or rotated:
 * the table view prints it on its own line with a reminder on stderr; -o json/yaml keep it in
 * the object, for scripts that store it.
 */
const lastDelivery = (w: WebhookView): string => {
  const d = w.lastDelivery;
  if (!d) return "-";
  return `${d.ok ? "ok" : "failed"}${d.status ? ` ${d.status}` : ""} ${formatTime(d.at)}${d.error ? `: ${d.error.slice(0, 60)}` : ""}`;
};

export const formatWebhooks = (items: WebhookView[], output: Output, opts: TableOptions = {}): string => {
  const whole = formatStructured({ items }, output);
  if (whole !== undefined) return whole;
  if (output === "name") return items.map((w) => w.id).join("\n");
  const wide = output === "wide";
  const head = ["ID", "URL", "OUTCOMES", "LAST DELIVERY", ...(wide ? ["CREATED", "DESCRIPTION"] : [])];
  const rows = items.map((w) => [w.id, w.url, w.outcomes.join(","), lastDelivery(w), ...(wide ? [formatTime(w.createdAt), w.description ?? "-"] : [])]);
  return table([head, ...rows], opts);
};

/** A created or rotated webhook: its secret shown once. */
const printWithSecret = (ctx: Ctx, w: WebhookWithSecret, output: Output) => {
  const whole = formatStructured(w, output);
  if (whole !== undefined) return ctx.io.out(whole);
  if (output === "name") return ctx.io.out(w.id);
  ctx.io.out(`${formatWebhooks([w], output, { columns: ctx.io.columns })}\nsecret: ${w.secret}`);
  ctx.io.err("store the secret now: the API never shows it again (cpctl webhook rotate-secret makes a new one)");
};

export const webhookCreate = async (ctx: Ctx, api: string, o: { url: string; outcomes?: WebhookOutcome[]; description?: string; output: Output }): Promise<ExitCode> => {
  const body = { url: o.url, ...(o.outcomes?.length ? { outcomes: o.outcomes } : {}), ...(o.description ? { description: o.description } : {}) };
  const { data, error, response } = await reach(ctx.client.POST("/webhooks", { body }), api);
  if (!data) throw failed(error, response.status, "could not create the webhook");
  printWithSecret(ctx, data as WebhookWithSecret, o.output);
  return EXIT.ok;
};

export const webhookList = async (ctx: Ctx, api: string, o: { output: Output } & TableOptions): Promise<ExitCode> => {
  const { data, error, response } = await reach(ctx.client.GET("/webhooks"), api);
  if (!data) throw failed(error, response.status, "could not list webhooks");
  ctx.io.out(formatWebhooks(data.items as WebhookView[], o.output, { columns: ctx.io.columns, ...(o.noHeaders ? { noHeaders: true } : {}) }));
  return EXIT.ok;
};

export const webhookDelete = async (ctx: Ctx, api: string, id: string): Promise<ExitCode> => {
  const { error, response } = await reach(ctx.client.DELETE("/webhooks/{id}", { params: { path: { id } } }), api);
  if (!response.ok) throw failed(error, response.status, `could not delete webhook ${id}`);
  ctx.io.err(`webhook ${id} deleted`);
  return EXIT.ok;
};

export const webhookRotate = async (ctx: Ctx, api: string, id: string, output: Output): Promise<ExitCode> => {
  const { data, error, response } = await reach(ctx.client.POST("/webhooks/{id}/secret", { params: { path: { id } } }), api);
  if (!data) throw failed(error, response.status, `could not rotate the secret of webhook ${id}`);
  printWithSecret(ctx, data as WebhookWithSecret, output);
  return EXIT.ok;
};
