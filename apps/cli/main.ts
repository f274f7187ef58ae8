/**
 * cpctl: submit, watch and inspect jobs of the Management App from a terminal or CI.
 * `npm run -s cpctl -- <command>`; exit codes in exit-codes.ts and docs/reference.md.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { JOB_STATUSES, type JobStatus } from "../shared/contract";
import { createApiClient } from "../shared/api-client/client";
import * as cmd from "./commands";
import { resolveSettings } from "./config";
import { CliError, EXIT, type ExitCode } from "./exit-codes";
import { OUTPUTS, stdio, type Io, type Output } from "./output";

/** `90`, `30s`, `10m`, `1h` as milliseconds. */
export const parseDuration = (v: string): number => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError("a duration such as 30s, 10m or 1h");
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? "s") as "ms" | "s" | "m" | "h"];
  return Math.round(Number(m[1]) * unit);
};
const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("a whole number of at least 1");
  return n;
};
const collect = (v: string, prev: string[] = []) => [...prev, v];
const outputOption = (def: Output = "table") => new Option("-o, --output <format>", "output format").choices(OUTPUTS).default(def);

export const buildProgram = (io: Io, setExit: (code: ExitCode) => void): Command => {
  const program = new Command("cpctl")
    .description("Submit Kubernetes manifests as jobs to the compute platform, wait for them, read their logs.")
    .option("--api <url>", "API base URL (env CP_API_URL; default http://127.0.0.1:8080)")
    .option("--token <token>", "bearer token (env CP_TOKEN)")
    .option("--profile <name>", "profile of the config file (env CP_PROFILE; file: CPCTL_CONFIG or ~/.config/cpctl/config.yaml)")
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .exitOverride()
    .showHelpAfterError();

  const ctx = () => {
    const settings = resolveSettings(program.opts());
    return { ctx: { client: createApiClient(settings.api, settings.token), io }, api: settings.api };
  };
  const run = (fn: (c: ReturnType<typeof ctx>) => Promise<ExitCode>) => async () => setExit(await fn(ctx()));

  program
    .command("submit")
    .description("submit manifests as one job")
    .requiredOption("-f, --filename <path>", "a file, a directory of .yaml/.yml/.json files, or - for stdin (repeatable)", collect)
    .option("--wait", "wait until the job is DONE, REJECTED or FAILED; the exit code says which")
    .addOption(new Option("--timeout <duration>", "with --wait: give up after this long (exit 3)").argParser(parseDuration).default(0, "none"))
    .option("--idempotency-key <key>", "retrying with the same key never makes a second job")
    .addOption(outputOption())
    .action((o: { filename: string[]; wait?: boolean; timeout: number; idempotencyKey?: string; output: Output }) =>
      run(({ ctx, api }) => cmd.submit(ctx, api, { file: o.filename, wait: Boolean(o.wait), timeoutMs: o.timeout, output: o.output, ...(o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {}) }))(),
    );

  program
    .command("validate")
    .description("check manifests without submitting them (dry run: parsing and admission only)")
    .requiredOption("-f, --filename <path>", "a file, a directory, or - for stdin (repeatable)", collect)
    .addOption(outputOption())
    .action((o: { filename: string[]; output: Output }) => run(({ ctx, api }) => cmd.validate(ctx, api, { file: o.filename, output: o.output }))());

  program
    .command("get")
    .description("show one job")
    .argument("<id>", "job id")
    .addOption(outputOption())
    .action((id: string, o: { output: Output }) => run(({ ctx, api }) => cmd.get(ctx, api, id, o.output))());

  program
    .command("queue")
    .description("your Kueue queue: quota, use and borrowing per node pool, pending and admitted workloads")
    .addOption(outputOption())
    .action((o: { output: Output }) => run(({ ctx, api }) => cmd.queue(ctx, api, o.output))());

  program
    .command("list")
    .description("list your jobs, newest first")
    .addOption(new Option("--status <status>", "only jobs with this status").choices(JOB_STATUSES))
    .addOption(new Option("--limit <n>", "at most this many").argParser(positiveInt))
    .addOption(outputOption())
    .action((o: { status?: JobStatus; limit?: number; output: Output }) => run(({ ctx, api }) => cmd.list(ctx, api, o))());

  program
    .command("watch")
    .description("follow a job's events until it can no longer change")
    .argument("<id>", "job id")
    .addOption(new Option("--timeout <duration>", "give up after this long (exit 3)").argParser(parseDuration).default(0, "none"))
    .addOption(outputOption())
    .action((id: string, o: { timeout: number; output: Output }) => run(({ ctx }) => cmd.watchCmd(ctx, id, { timeoutMs: o.timeout, output: o.output }))());

  program
    .command("logs")
    .description("print a job's container logs (live while its pods run, saved ones after)")
    .argument("<id>", "job id")
    .option("-f, --follow", "keep streaming while the containers run")
    .option("-c, --container <name>", "only this container")
    .addOption(new Option("--tail <lines>", "only the last lines of each container").argParser(positiveInt))
    .action((id: string, o: { follow?: boolean; container?: string; tail?: number }) =>
      run(({ ctx, api }) =>
        cmd.logs(ctx, api, id, { follow: Boolean(o.follow), ...(o.container ? { container: o.container } : {}), ...(o.tail ? { tail: o.tail } : {}) }, (chunk) => process.stdout.write(chunk)),
      )(),
    );

  program
    .command("delete")
    .description("roll a job back (delete everything it created)")
    .argument("<id>", "job id")
    .option("--wait", "wait until the job is ROLLED_BACK")
    .addOption(new Option("--timeout <duration>", "with --wait: give up after this long (exit 3)").argParser(parseDuration).default(0, "none"))
    .addOption(outputOption())
    .action((id: string, o: { wait?: boolean; timeout: number; output: Output }) =>
      run(({ ctx, api }) => cmd.remove(ctx, api, id, { wait: Boolean(o.wait), timeoutMs: o.timeout, output: o.output }))(),
    );

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

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
