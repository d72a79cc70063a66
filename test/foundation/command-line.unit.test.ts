// Command lines through node:util parseArgs (src/shared/command-line.ts): every command
// prints its options on --help (exit 0) and names a wrong argument in one line (exit 2),
// as import-sqlite does (docs/import.md "Options").
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { helpText, parseCommandLine, UsageError, wantsHelp } from '../../src/shared/command-line.js';
import { parseReplayArgs } from '../../src/ingest/replay-command.js';

const OPTIONS = {
  since: { type: 'string', arg: 'TIME', help: 'From TIME.' },
  truncate: { type: 'boolean', help: 'Empty first.' },
  'app-env': { type: 'string', multiple: true, arg: 'K=V', help: 'Repeatable.' },
} as const;

t.test('values, both value forms, repeatable options', async (t) => {
  const { values, positionals } = parseCommandLine(
    ['--since', 'a', '--truncate', '--app-env=K=V', '--app-env', 'A=B'],
    OPTIONS,
  );
  t.same(values, { since: 'a', truncate: true, 'app-env': ['K=V', 'A=B'] });
  t.same(positionals, []);
  t.same(parseCommandLine(['--since=b', 'file.db'], OPTIONS, { positionals: true }).positionals, ['file.db']);
  t.same(parseCommandLine(['a', 'b'], OPTIONS, { positionals: true }).positionals, ['a', 'b']);
  t.throws(() => parseCommandLine(['a', 'b'], OPTIONS, { positionals: 1 }), /^unknown argument "b"$/, 'one at most');
});

t.test('a wrong argument is one line naming it', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--bogus'], /^unknown argument "--bogus"$/],
    [['-x'], /^unknown argument "-x"$/],
    [['stray'], /^unknown argument "stray"$/],
    [['--since'], /^--since needs a value$/],
    [['--truncate=yes'], /^--truncate takes no value$/],
  ];
  for (const [args, want] of cases) {
    const err = (() => {
      try {
        parseCommandLine(args, OPTIONS);
      } catch (e) {
        return e;
      }
    })();
    t.ok(err instanceof UsageError, `${args.join(' ')}: a UsageError`);
    t.match((err as Error).message, want, args.join(' '));
  }
});

t.test('--help lists every option with its help', async (t) => {
  t.ok(wantsHelp(['--since', 'x', '-h']));
  t.notOk(wantsHelp(['--', '--help']), 'after -- it is an argument');
  t.same(parseCommandLine(['--help'], OPTIONS).values, { help: true }, '--help is not an unknown option');
  const text = helpText('usage: cmd [options]', OPTIONS);
  for (const line of ['--since TIME', 'From TIME.', '--truncate', '--app-env K=V', '--help, -h'])
    t.ok(text.includes(line), `help names ${line}`);
});

t.test('replay keeps its flags and messages', async (t) => {
  t.same(parseReplayArgs(['--truncate']), { truncate: true });
  t.same(parseReplayArgs(['--since=2026-01-01T00:00:00Z']), { since: new Date('2026-01-01T00:00:00Z') });
  t.match(parseReplayArgs(['2026-01-01T00:00:00Z']), /^unknown argument/);
});

/** Runs `src/main.ts` with args and no service variables. */
const main = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    timeout: 60_000,
  });

t.test('replay: --help and a wrong argument start no service', async (t) => {
  const help = main('replay', '--help');
  t.equal(help.status, 0, 'help: exit 0');
  t.match(help.stdout, /usage: replay \[--since TIME\] \[--truncate\][\s\S]*--since TIME +Re-apply/);
  const bad = main('replay', '--bogus');
  t.equal(bad.status, 2, 'unknown option: exit 2');
  t.equal(bad.stderr.split('\n')[0], 'replay: unknown argument "--bogus"', 'one line naming it, then the usage');
  t.match(bad.stderr, /^usage: replay/m);
  t.notMatch(`${help.stdout}${bad.stdout}${bad.stderr}`, /private|nats-server|PostgreSQL/);
});
