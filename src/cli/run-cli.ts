import { terminalText } from "../util/markdown.js";
import { EXIT, UsageError } from "./cli-config.js";
import { notesCommand, notesUsage } from "./notes-command.js";
import { auditCommand, auditUsage } from "./audit-command.js";
import { promoteCommand, promoteUsage } from "./promote-command.js";
import { layoutCommand, layoutUsage } from "./layout-command.js";
import { titleCommand, titleUsage } from "./title-command.js";
import { initCommand, initUsage } from "./init-command.js";
import { statusCommand, statusUsage } from "./status-command.js";

type Command = (
  args: string[],
  out: (text: string) => void,
  err: (text: string) => void,
) => number | Promise<number>;

/** Every command of the CLI: name → implementation and one usage line. Features add theirs here. */
const COMMANDS: Record<string, { run: Command; usage: string }> = {
  title: { run: titleCommand, usage: titleUsage },
  notes: { run: notesCommand, usage: notesUsage },
  audit: { run: auditCommand, usage: auditUsage },
  promote: { run: promoteCommand, usage: promoteUsage },
  layout: { run: layoutCommand, usage: layoutUsage },
  init: { run: initCommand, usage: initUsage },
  status: { run: statusCommand, usage: statusUsage },
};

/** Runs the CLI with `args` (without `node` and the script); returns the exit code. */
export async function runCli(
  args: string[],
  out: (text: string) => void = (text) => process.stdout.write(`${text}\n`),
  err: (text: string) => void = (text) => process.stderr.write(`${text}\n`),
): Promise<number> {
  // One escaping for the terminal, at the sink: nothing a repository contains (titles, paths, messages) can drive
  // the terminal with escape sequences.
  const print = out;
  const warn = err;
  out = (text) => print(terminalText(text));
  err = (text) => warn(terminalText(text));
  const [name, ...rest] = args;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    err(
      `${name ? `unknown command "${name}"\n` : ""}usage:\n${Object.values(COMMANDS)
        .map((c) => `  ${c.usage}`)
        .join("\n")}`,
    );
    return EXIT.usage;
  }
  try {
    return await command.run(rest, out, err);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      err(`error: ${(error as Error).message}`);
      return EXIT.usage;
    }
    throw error;
  }
}
