import { parseArgs, type ParseArgsConfig } from "node:util";

/**
 * A command's arguments (`--` dropped, as npm passes it), with `--help` answered: the parsed
 * arguments, or the exit code when the command should stop here: 0 once the usage is printed
 * for --help, 1 once a bad option is named with the usage.
 */
export function commandLine<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> | number {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs({ ...config, args: (config.args ?? process.argv.slice(2)).filter((a) => a !== "--") } as T);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${usage}\n`);
    return 1;
  }
  if ((parsed.values as { help?: unknown }).help === true) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  return parsed;
}
