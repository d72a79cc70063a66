// Command lines of the tracker's commands (replay, the benchmarks, the scripts) through
// node:util parseArgs: each option is declared once with its help line, `--help` prints
// them, and a wrong argument is one line naming it (the command then exits 2, as
// import-sqlite does: docs/import.md "Options").
import { parseArgs } from 'node:util';
import { ErrorCodes, TrackerError } from './errors.js';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  /** Repeatable: every value is kept, in order. */
  readonly multiple?: boolean;
  /** The value's placeholder in the help (`N`, `TIME`, `DIR`). */
  readonly arg?: string;
  readonly help: string;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : string;
/** The parsed values, by option name as written (`'app-env'`); absent when not given. */
export type OptionValues<O extends OptionSpecs> = {
  [K in keyof O]?: O[K]['multiple'] extends true ? ValueOf<O[K]>[] : ValueOf<O[K]>;
};

/** A wrong command line: the message is one line naming the argument. */
export class UsageError extends TrackerError {
  constructor(message: string) {
    super(ErrorCodes.badRequest, message);
  }
}

/** `--help` or `-h` before any `--`: the command prints its help and does nothing else. */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * Parses `args` against `options` (`--name value`, `--name=value`, booleans as
 * `--name`; `--help` / `-h` pass, see wantsHelp). Throws a UsageError for an unknown
 * option, a missing value, a value given to a boolean, or a positional argument beyond
 * `positionals` (false: none, true: any number).
 */
export function parseCommandLine<O extends OptionSpecs>(
  args: readonly string[],
  options: O,
  { positionals = false }: { positionals?: boolean | number } = {},
): { values: OptionValues<O>; positionals: string[] } {
  const maxPositionals = positionals === true ? Number.POSITIVE_INFINITY : Number(positionals);
  let seen = 0;
  const config = Object.fromEntries(
    Object.entries(options).map(([name, o]) => [name, { type: o.type, multiple: o.multiple ?? false }]),
  );
  // Not strict: node's own errors are several lines and name no command; these are ours.
  const parsed = parseArgs({ args: [...args], options: config, strict: false, allowPositionals: true, tokens: true });
  for (const token of parsed.tokens) {
    if (token.kind === 'positional' && ++seen > maxPositionals)
      throw new UsageError(`unknown argument ${JSON.stringify(token.value)}`);
    if (token.kind !== 'option' || token.rawName === '--help' || token.rawName === '-h') continue;
    const spec = options[token.name];
    if (!spec) throw new UsageError(`unknown argument ${JSON.stringify(token.rawName)}`);
    if (spec.type === 'string' && token.value === undefined) throw new UsageError(`${token.rawName} needs a value`);
    if (spec.type === 'boolean' && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
  }
  return { values: parsed.values as OptionValues<O>, positionals: parsed.positionals };
}

/** The usage line(s), then one line per option with its help (what `--help` prints). */
export function helpText(usage: string, options: OptionSpecs): string {
  const rows = Object.entries(options).map(([name, o]) => [`--${name}${o.arg ? ` ${o.arg}` : ''}`, o.help]);
  rows.push(['--help, -h', 'Print this help and exit.']);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return `${usage}\n\nOptions:\n${rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`).join('\n')}\n`;
}

/**
 * For a script's entry: `--help` prints the help and exits 0; a wrong argument prints
 * `<name>: <one line>` and the usage to stderr and exits 2. Otherwise what it parsed.
 */
export function commandLineOrExit<O extends OptionSpecs>(
  name: string,
  usage: string,
  args: readonly string[],
  options: O,
  opts: { positionals?: boolean | number } = {},
): { values: OptionValues<O>; positionals: string[] } {
  if (wantsHelp(args)) {
    process.stdout.write(helpText(usage, options));
    process.exit(0);
  }
  try {
    return parseCommandLine(args, options, opts);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${name}: ${err.message}\n${usage}\n`);
    process.exit(2);
  }
}
