/**
 * Shell completion for cpctl, generated from commander's own tree of commands and options
 * (commander 14 has none built in), so a new flag or choice completes without editing this
 * file. Our own small generator: `cpctl completion bash|zsh|fish` prints a script to source.
 */
import type { Command, Option } from "commander";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

interface Cmd {
  name: string;
  description: string;
  options: { flags: string[]; description: string; takesValue: boolean; choices: string[] }[];
  /** A command that groups others (`webhook create|list|…`): their names; its options are theirs. */
  subcommands: string[];
}

const flagsOf = (o: Option) => [o.short, o.long].filter((f): f is string => Boolean(f));
const optionsOf = (c: Command) =>
  c.options.map((o) => ({ flags: flagsOf(o), description: o.description, takesValue: o.required || o.optional, choices: [...(o.argChoices ?? [])] }));

/** The commands and options a completion script offers (global ones on every command). */
export const commandTree = (program: Command): { global: Cmd["options"]; commands: Cmd[] } => ({
  global: [...optionsOf(program), { flags: ["-h", "--help"], description: "show help", takesValue: false, choices: [] }],
  commands: program.commands.map((c) => {
    const options = [...optionsOf(c), ...c.commands.flatMap(optionsOf)];
    const unique = options.filter((o, i) => options.findIndex((x) => x.flags.join() === o.flags.join()) === i);
    return { name: c.name(), description: c.description(), options: unique, subcommands: c.commands.map((s) => s.name()) };
  }),
});

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

const bash = (t: ReturnType<typeof commandTree>): string => {
  const names = t.commands.map((c) => c.name).join(" ");
  const global = t.global.flatMap((o) => o.flags).join(" ");
  const cases = t.commands
    .map((c) => {
      const choices = c.options
        .filter((o) => o.choices.length)
        .map((o) => `      ${o.flags.join("|")}) COMPREPLY=($(compgen -W ${q(o.choices.join(" "))} -- "$cur")); return ;;`)
        .join("\n");
      return `    ${c.name})\n      case "$prev" in\n${choices}${choices ? "\n" : ""}      esac\n      COMPREPLY=($(compgen -W ${q(`${[...c.subcommands, ...c.options.flatMap((o) => o.flags)].join(" ")} ${global}`)} -- "$cur")) ;;`;
    })
    .join("\n");
  return `# cpctl completion for bash: source <(cpctl completion bash)
_cpctl() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" sub="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -*) ;; *) sub="\${COMP_WORDS[i]}"; break ;; esac
  done
  case "$prev" in -f|--filename) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
  case "$sub" in
    "") COMPREPLY=($(compgen -W ${q(`${names} ${global}`)} -- "$cur")) ;;
${cases}
  esac
}
complete -F _cpctl cpctl
`;
};

const zshEsc = (s: string) => s.replace(/'/g, "'\\''").replace(/[[\]:]/g, "\\$&");
const zshSpec = (o: Cmd["options"][number]) => {
  const names = o.flags.length > 1 ? `(${o.flags.join(" ")})'{${o.flags.join(",")}}'` : o.flags[0]!;
  const arg = o.takesValue ? (o.choices.length ? `:value:(${o.choices.join(" ")})` : o.flags.includes("--filename") ? ":file:_files" : ":value:") : "";
  return `'${names}[${zshEsc(o.description)}]${arg}'`;
};

const zsh = (t: ReturnType<typeof commandTree>): string => `#compdef cpctl
# cpctl completion for zsh: source <(cpctl completion zsh), or save as _cpctl on your fpath
_cpctl() {
  local -a commands
  commands=(
${t.commands.map((c) => `    '${c.name}:${zshEsc(c.description)}'`).join("\n")}
  )
  _arguments -C \\
${t.global.map((o) => `    ${zshSpec(o)} \\`).join("\n")}
    '1:command:->command' '*::arg:->args'
  case $state in
    command) _describe command commands ;;
    args)
      case $words[1] in
${t.commands.map((c) => `        ${c.name}) _arguments ${[...c.options, ...t.global].map(zshSpec).join(" ")} ${c.subcommands.length ? `'1:subcommand:(${c.subcommands.join(" ")})' ` : ""}'*:argument:' ;;`).join("\n")}
      esac ;;
  esac
}
compdef _cpctl cpctl
`;

const fishOpt = (o: Cmd["options"][number], cond: string) => {
  const parts = [`complete -c cpctl -n ${q(cond)}`];
  for (const f of o.flags) parts.push(f.startsWith("--") ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`);
  if (o.takesValue) parts.push(o.choices.length ? `-x -a ${q(o.choices.join(" "))}` : o.flags.includes("--filename") ? "-r -F" : "-x");
  parts.push(`-d ${q(o.description)}`);
  return parts.join(" ");
};

const fish = (t: ReturnType<typeof commandTree>): string => {
  const names = t.commands.map((c) => c.name).join(" ");
  return [
    "# cpctl completion for fish: cpctl completion fish > ~/.config/fish/completions/cpctl.fish",
    "complete -c cpctl -f",
    ...t.commands.map((c) => `complete -c cpctl -n ${q(`not __fish_seen_subcommand_from ${names}`)} -a ${c.name} -d ${q(c.description)}`),
    ...t.global.map((o) => fishOpt(o, "true")),
    ...t.commands.flatMap((c) => c.options.map((o) => fishOpt(o, `__fish_seen_subcommand_from ${c.name}`))),
    ...t.commands.filter((c) => c.subcommands.length).map((c) => `complete -c cpctl -n ${q(`__fish_seen_subcommand_from ${c.name}; and not __fish_seen_subcommand_from ${c.subcommands.join(" ")}`)} -a ${q(c.subcommands.join(" "))}`),
    "",
  ].join("\n");
};

export const completionScript = (program: Command, shell: Shell): string => {
  const tree = commandTree(program);
  return shell === "bash" ? bash(tree) : shell === "zsh" ? zsh(tree) : fish(tree);
};
