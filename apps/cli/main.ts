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
    .option("--wait", "wait until the job can no longer change (its workload ended, or it was refused); the exit code says how it ended")
    .addOption(new Option("--timeout <duration>", "with --wait: give up after this long (exit 3)").argParser(parseDuration).default(0, "none"))
    .option("--idempotency-key <key>", "retrying with the same key never makes a second job")
    .option("--name <name>", "the job's name, a DNS label (default: from the first object, e.g. job-pi)")
    .option("-l, --label <key=value>", "a label of the job (repeatable)", collect)
    .addOption(outputOption())
    .action((o: { filename: string[]; wait?: boolean; timeout: number; idempotencyKey?: string; output: Output; name?: string; label?: string[] }) =>
      run(({ ctx, api }) =>
        cmd.submit(ctx, api, {
          file: o.filename,
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
    .addOption(outputOption())
    .action((o: { filename: string[]; output: Output }) => run(({ ctx, api }) => cmd.validate(ctx, api, { file: o.filename, output: o.output }))());

  program
    .command("get")
    .description("show one job")
    .argument("<id>", "job id (or at least its first 8 characters)")
    .addOption(outputOption())
    .action((id: string, o: { output: Output }) => run(({ ctx, api }) => cmd.get(ctx, api, id, o.output))());

  program
    .command("list")
    .description("list your jobs, newest first")
    .addOption(new Option("--status <status>", "only jobs with this status").choices(JOB_STATUSES))
    .addOption(new Option("--limit <n>", "at most this many").argParser(positiveInt))
    .option("-l, --selector <selector>", "only jobs whose labels match this Kubernetes label selector (team=nlp,env in (dev,test),!draft)")
    .option("--name <prefix>", "only jobs whose name starts with this")
    .addOption(outputOption())
    .action((o: { status?: JobStatus; limit?: number; output: Output; selector?: string; name?: string }) => run(({ ctx, api }) => cmd.list(ctx, api, o))());

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
    .action((id: string, o: { follow?: boolean; container?: string; tail?: number }) =>
      run(({ ctx, api }) =>
        cmd.logs(ctx, api, id, { follow: Boolean(o.follow), ...(o.container ? { container: o.container } : {}), ...(o.tail ? { tail: o.tail } : {}) }, (chunk) => process.stdout.write(chunk)),
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
