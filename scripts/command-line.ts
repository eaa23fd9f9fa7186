import { parseArgs, type ParseArgsConfig } from 'node:util';

/**
 * A script's arguments, read with `--help`/`-h` added: help prints the usage on stdout and exits 0, and a
 * bad argument prints its reason and the usage on stderr and exits 2. Either happens before the script
 * reads its configuration or connects to anything, and neither prints a stack trace.
 */
export function readCommandLine<T extends ParseArgsConfig>(usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs({ ...config, options: { ...config.options, help: { type: 'boolean', short: 'h' } } }) as ReturnType<typeof parseArgs<T>>;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
  if ((parsed.values as Record<string, unknown>)['help'] === true) {
    process.stdout.write(usage);
    process.exit(0);
  }
  return parsed;
}
