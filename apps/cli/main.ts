/**
 * cpctl: submit, watch and inspect jobs of the Management App from a terminal or CI.
 * `npm run -s cpctl -- <command>`; exit codes in exit-codes.ts and docs/reference.md.
 */
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { JOB_STATUSES, WEBHOOK_OUTCOMES, type JobStatus, type WebhookOutcome } from "../shared/contract";
import { createApiClient } from "../shared/api-client/client";
import * as cmd from "./commands";
import { resolveSettings } from "./config";
import { CliError, EXIT, type ExitCode } from "./exit-codes";
import { OUTPUTS, stdio, type Io, type Output } from "./output";
import { parseTemplate } from "./jsonpath";
import type { WarningsShown } from "./commands";
import { completionScript, SHELLS, type Shell } from "./completion";
import { version } from "./package.json";
import { webhookCreate, webhookDelete, webhookList, webhookRotate } from "./webhook-commands";

const UNIT_MS = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
/**
 * A duration as Go's time.ParseDuration reads it (kubectl's and argo's --timeout): `1h30m`,
 * `90s`, `1.5h`, `300ms`; a bare number is seconds. Milliseconds.
 */
export const parseDuration = (v: string): number => {
  const text = v.trim();
  if (/^\d+(?:\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  if (!/^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/.test(text)) throw new InvalidArgumentError("a duration such as 90s, 10m, 1h30m or 1.5h");
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(n) * UNIT_MS[unit as keyof typeof UNIT_MS];
  return Math.round(ms);
};
const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number of at least 1");
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];
/** `-o`: one of OUTPUTS, or `jsonpath=TEMPLATE` (checked here, before any call). */
export const parseOutput = (v: string): Output => {
  if ((OUTPUTS as readonly string[]).includes(v)) return v as Output;
  if (v.startsWith("jsonpath=")) {
    try {
      parseTemplate(v.slice("jsonpath=".length));
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
    return v as Output;
  }
  throw new InvalidArgumentError(`one of ${OUTPUTS.join(", ")}, or jsonpath=TEMPLATE (e.g. -o jsonpath='{.items[*].id}')`);
};
// choices() first, for help and shell completion; argParser() then replaces its check with one that also takes jsonpath=.
const outputOption = (def: Output = "table") => new Option("-o, --output <format>", "output format, or jsonpath=TEMPLATE").choices(OUTPUTS).argParser(parseOutput).default(def);
const noHeadersOption = () => new Option("--no-headers", "tables without their header line");
type WarnFlags = { quiet?: boolean; showDefaults?: boolean };
const warningsShown = (o: WarnFlags): WarningsShown => (o.quiet ? "none" : o.showDefaults ? "all" : "grouped");

export const buildProgram = (io: Io, setExit: (code: ExitCode) => void): Command => {
  const program = new Command("cpctl")
    .description("Submit Kubernetes manifests as jobs to the compute platform, wait for them, read their logs.")
    .option("--api <url>", "API base URL (env CP_API_URL; default http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (env CP_TOKEN)")
    .option("--profile <name>", "profile of the config file (env CP_PROFILE; file: CPCTL_CONFIG or ~/.config/cpctl/config.yaml)")
    .version(version, "-V, --version", "print cpctl's version")
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .showHelpAfterError();

  const ctx = () => {
    const settings = resolveSettings(program.opts());
    // 429 and 503 are retried as the server asks (Retry-After), a few times, saying so on stderr.
    const retry = {
      retries: 4,
      maxWaitMs: 60_000,
      onRetry: ({ status, waitMs }: { status: number; waitMs: number }) => io.err(`the API answered ${status}; retrying in ${(waitMs / 1000).toFixed(1)}s`),
    };
    const client = createApiClient(settings.api, settings.token, { retry });
    return { ctx: { client, io, stream: { api: settings.api, ...(settings.token ? { token: settings.token } : {}) } }, api: settings.api };
  };
  const run = (fn: (c: ReturnType<typeof ctx>) => Promise<ExitCode>) => async () => {
    const c = ctx();
    try {
      setExit(await fn(c));
    } catch (err) {
      // A refused token: say which one was sent and where to change it.
      const status = (err as { status?: number }).status;
      if (err instanceof CliError && (status === 401 || status === 403)) {
        const { tokenFrom } = resolveSettings(program.opts());
        err.message += tokenFrom
          ? `\nthe token came from ${tokenFrom}: check it, or pass another with --token or CP_TOKEN`
          : "\nno token was sent: pass one with --token, CP_TOKEN, or a profile's token (--profile)";
      }
      throw err;
    }
  };

  program
    .command("submit")
    .description("submit manifests as one job")
    .requiredOption("-f, --filename <path>", "a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable)", collect)
    .option("--wait", "wait until the job can no longer change (its workload ended, or it was refused); the exit code says how it ended")
    .addOption(new Option("--timeout <duration>", "with --wait: give up after this long (exit 3)").argParser(parseDuration).default(0, "none"))
    .option("--idempotency-key <key>", "retrying with the same key never makes a second job (default: a new random key each run)")
    .option("--name <name>", "the job's name, a DNS label (default: from the first object, e.g. job-pi)")
    .option("-l, --label <key=value>", "a label of the job (repeatable)", collect)
    .option("-q, --quiet", "do not mention the defaults the platform applied")
    .option("--show-defaults", "list each default the platform applied")
    .addOption(outputOption())
    .action((o: { filename: string[]; wait?: boolean; timeout: number; idempotencyKey?: string; output: Output; name?: string; label?: string[] } & WarnFlags) =>
      run(({ ctx, api }) =>
        cmd.submit(ctx, api, {
          file: o.filename,
          wait: Boolean(o.wait),
          timeoutMs: o.timeout,
          output: o.output,
          warnings: warningsShown(o),
          ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
          ...(o.name ? { name: o.name } : {}),
          ...(o.label ? { labels: o.label } : {}),
        }),
      )(),
    );

  program
    .command("resubmit")
    .description("run a job again: a new job from its stored submission (same name and labels unless given)")
    .argument("<id>", "job id (or at least its first 8 characters)")
    .option("--wait", "wait until the new job can no longer change; the exit code says how it ended")
    .addOption(new Option("--timeout <duration>", "with --wait: give up after this long (exit 3)").argParser(parseDuration).default(0, "none"))
    .option("--idempotency-key <key>", "retrying with the same key never makes a second job")
    .option("--name <name>", "a new name for the new job")
    .option("-l, --label <key=value>", "labels for the new job, replacing the old job's (repeatable)", collect)
    .addOption(outputOption())
    .action((id: string, o: { wait?: boolean; timeout: number; idempotencyKey?: string; output: Output; name?: string; label?: string[] }) =>
      run(({ ctx, api }) =>
        cmd.resubmit(ctx, api, id, {
          wait: Boolean(o.wait),
          timeoutMs: o.timeout,
          output: o.output,
          ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}),
          ...(o.name ? { name: o.name } : {}),
          ...(o.label ? { labels: o.label } : {}),
        }),
      )(),
    );

  program
    .command("validate")
    .description("check manifests without submitting them (dry run: parsing and admission only)")
    .requiredOption("-f, --filename <path>", "a file, a directory, or - for stdin (repeatable)", collect)
    .option("-q, --quiet", "do not mention the defaults the platform applied")
    .option("--show-defaults", "list each default the platform applied")
    .addOption(outputOption())
    .action((o: { filename: string[]; output: Output } & WarnFlags) => run(({ ctx, api }) => cmd.validate(ctx, api, { file: o.filename, output: o.output, warnings: warningsShown(o) }))());

  program
    .command("get")
    .description("show one job")
    .argument("<id>", "job id (or at least its first 8 characters)")
    .addOption(outputOption())
    .addOption(noHeadersOption())
    .action((id: string, o: { output: Output; headers: boolean }) => run(({ ctx, api }) => cmd.get(ctx, api, id, o.output, o.headers ? {} : { noHeaders: true }))());

  program
    .command("describe")
    .description("everything about one job: status and reason, problems, defaults applied, timeline, workload, usage and cost")
    .argument("<id>", "job id")
    .action((id: string) => run(({ ctx, api }) => cmd.describe(ctx, api, id))());

  program
    .command("queue")
    .description("your Kueue queue: quota, use and borrowing per node pool, pending and admitted workloads")
    .addOption(outputOption())
    .action((o: { output: Output }) => run(({ ctx, api }) => cmd.queue(ctx, api, o.output))());

  program
    .command("list")
    .description(`list your jobs, newest first (${cmd.LIST_DEFAULT} unless --limit or --all)`)
    .addOption(new Option("--status <status>", "only jobs with this status").choices(JOB_STATUSES))
    .addOption(new Option("--limit <n>", `at most this many (pages of ${cmd.LIST_PAGE_MAX} are fetched as needed)`).argParser(positiveInt).conflicts("all"))
    .option("--all", "every job (all pages)")
    .option("--cursor <cursor>", "start where a previous list stopped (it prints the cursor when there is more)")
    .option("-l, --selector <selector>", "only jobs whose labels match this Kubernetes label selector (team=nlp,env in (dev,test),!draft)")
    .option("--name <prefix>", "only jobs whose name starts with this")
    .addOption(outputOption())
    .addOption(noHeadersOption())
    .action((o: { status?: JobStatus; limit?: number; all?: boolean; cursor?: string; output: Output; headers: boolean; selector?: string; name?: string }) =>
      run(({ ctx, api }) => cmd.list(ctx, api, { ...o, ...(o.headers ? {} : { noHeaders: true }) }))(),
    );

  program
    .command("usage")
    .description("your usage in a period (core-, GiB- and GPU-hours, estimated cost) and your most expensive jobs")
    .option("--from <time>", "RFC 3339 start (default: 30 days before --to)")
    .option("--to <time>", "RFC 3339 end (default: now)")
    .addOption(new Option("--top <n>", "how many jobs to list").argParser(positiveInt))
    .addOption(outputOption())
    .addOption(noHeadersOption())
    .action((o: { from?: string; to?: string; top?: number; output: Output; headers: boolean }) =>
      run(({ ctx, api }) => cmd.usage(ctx, api, { ...o, ...(o.headers ? {} : { noHeaders: true }) }))(),
    );

  program
    .command("watch")
    .description("follow a job's events until it can no longer change")
    .argument("<id>", "job id (or at least its first 8 characters)")
    .addOption(new Option("--timeout <duration>", "give up after this long (exit 3)").argParser(parseDuration).default(0, "none"))
    .addOption(outputOption())
    .action((id: string, o: { timeout: number; output: Output }) => run(({ ctx }) => cmd.watchCmd(ctx, id, { timeoutMs: o.timeout, output: o.output }))());

  program
    .command("logs")
    .description("print a job's container logs (live while its pods run, saved ones after)")
    .argument("<id>", "job id (or at least its first 8 characters)")
    .option("-f, --follow", "keep streaming while the containers run")
    .option("-c, --container <name>", "only this container")
    .addOption(new Option("--tail <lines>", "only the last lines of each container").argParser(positiveInt))
    .addOption(new Option("--since <duration>", "only lines of the last 1h, 30m, … (live logs)").argParser(parseDuration))
    .option("--timestamps", "each line starts with its RFC 3339 time (live logs)")
    .option("-p, --previous", "the previous instance of a restarted container (live logs)")
    .action((id: string, o: { follow?: boolean; container?: string; tail?: number; since?: number; timestamps?: boolean; previous?: boolean }) =>
      run(({ ctx, api }) =>
        cmd.logs(
          ctx,
          api,
          id,
          {
            follow: Boolean(o.follow),
            ...(o.container ? { container: o.container } : {}),
            ...(o.tail ? { tail: o.tail } : {}),
            // The API server counts whole seconds; a part-second still asks for that second.
            ...(o.since ? { sinceSeconds: Math.max(1, Math.ceil(o.since / 1000)) } : {}),
            ...(o.timestamps ? { timestamps: true } : {}),
            ...(o.previous ? { previous: true } : {}),
          },
          (chunk) => process.stdout.write(chunk),
        ),
      )(),
    );

  program
    .command("delete")
    .description("roll a job back (delete everything it created)")
    .argument("<id>", "job id (or at least its first 8 characters)")
    .option("--wait", "wait until the job is ROLLED_BACK")
    .addOption(new Option("--timeout <duration>", "with --wait: give up after this long (exit 3)").argParser(parseDuration).default(0, "none"))
    .addOption(outputOption())
    .action((id: string, o: { wait?: boolean; timeout: number; output: Output }) =>
      run(({ ctx, api }) => cmd.remove(ctx, api, id, { wait: Boolean(o.wait), timeoutMs: o.timeout, output: o.output }))(),
    );

  const webhook = program.command("webhook").description("your webhooks: a signed POST when one of your jobs ends (docs/user-guide.md, Webhooks)");
  webhook
    .command("create")
    .description("register a webhook; prints its secret, shown this once")
    .requiredOption("--url <url>", "where to POST (https, a public address)")
    .addOption(new Option("--outcome <outcome>", "only these outcomes (repeatable; default all)").choices(WEBHOOK_OUTCOMES).argParser((v: string, prev: WebhookOutcome[] = []) => {
      if (!(WEBHOOK_OUTCOMES as readonly string[]).includes(v)) throw new InvalidArgumentError(`one of ${WEBHOOK_OUTCOMES.join(", ")}`);
      return [...prev, v as WebhookOutcome];
    }))
    .option("--description <text>", "a note for yourself (at most 200 characters)")
    .addOption(outputOption())
    .action((o: { url: string; outcome?: WebhookOutcome[]; description?: string; output: Output }) =>
      run(({ ctx, api }) => webhookCreate(ctx, api, { url: o.url, output: o.output, ...(o.outcome ? { outcomes: o.outcome } : {}), ...(o.description ? { description: o.description } : {}) }))(),
    );
  webhook
    .command("list")
    .description("your webhooks (never their secrets) and how each one's last delivery went")
    .addOption(outputOption())
    .addOption(noHeadersOption())
    .action((o: { output: Output; headers: boolean }) => run(({ ctx, api }) => webhookList(ctx, api, { output: o.output, ...(o.headers ? {} : { noHeaders: true }) }))());
  webhook
    .command("delete")
    .description("delete a webhook; notices not yet delivered to it are dropped")
    .argument("<id>", "webhook id")
    .action((id: string) => run(({ ctx, api }) => webhookDelete(ctx, api, id))());
  webhook
    .command("rotate-secret")
    .description("a new secret, shown this once; the old one stops signing at once")
    .argument("<id>", "webhook id")
    .addOption(outputOption())
    .action((id: string, o: { output: Output }) => run(({ ctx, api }) => webhookRotate(ctx, api, id, o.output))());

  program
    .command("completion")
    .description("print a shell completion script (bash: source <(cpctl completion bash))")
    .addArgument(new Argument("<shell>", "the shell").choices(SHELLS))
    .action((shell: Shell) => io.out(completionScript(program, shell)));

  return program;
};

/** Run cpctl with these arguments; resolves to the exit code (never exits the process itself). */
export const runCli = async (argv: string[], io: Io = stdio): Promise<ExitCode> => {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version are not errors; everything else commander refuses is usage.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliError) {
      io.err(`error: ${err.message}`);
      return err.code;
    }
    io.err(`error: ${(err as Error).message}`);
    return EXIT.usage;
  }
};
