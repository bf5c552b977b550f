import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ParseArgsOptionsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../platform/config.ts';
import type { Config } from '../platform/config.ts';
import { AppError, publicView } from '../platform/errors.ts';
import { createLogger } from '../platform/logger.ts';
import type { Command, CommandEnv, Output } from './command.ts';
import { COMMON_OPTIONS, UsageError, commandHelp } from './command.ts';
import { TENANT_COMMANDS } from './tenants.ts';
import { TOKEN_COMMANDS } from './tokens.ts';
import { CLIENT_COMMANDS } from './clients.ts';
import { KEY_COMMANDS, ResealIncomplete } from './keys.ts';
import { MIGRATE_COMMANDS } from './migrate.ts';

export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
}

export const COMMANDS: readonly Command[] = [
  ...TENANT_COMMANDS,
  ...TOKEN_COMMANDS,
  ...CLIENT_COMMANDS,
  ...KEY_COMMANDS,
  ...MIGRATE_COMMANDS,
];

const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

function rootHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: trustgate <command> [arguments] [options]',
    '',
    'Operator tooling for Trustgate, on the same services and store as the server: for bootstrapping',
    'and break-glass use. It reads the server’s configuration (config/*.json in the working directory',
    'and the environment: docs/configuration.md); run it where the server runs, with its environment.',
    'Every change is in the audit trail as the operator, id "cli".',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary.split('. ')[0]?.replace(/\.$/, '')}`),
    '',
    'Options: --json (one JSON document on stdout), -h/--help (on every command).',
    'Exit codes: 0 done, 1 refused or failed, 2 usage or configuration error.',
    '',
  ].join('\n');
}

function groupHelp(group: string): string {
  const members = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  return [
    `Usage: trustgate ${group} <${members.map((c) => c.name.slice(group.length + 1)).join('|')}> …`,
    '',
    ...members.map((c) => `  ${c.name.padEnd(20)}  ${c.summary}`),
    '',
    `See trustgate ${group} <command> --help.`,
    '',
  ].join('\n');
}

/** The command the words name, and the arguments after them. */
function resolve(
  argv: readonly string[],
): { command: Command; rest: string[] } | { help: string; known: boolean } {
  const words = argv.filter((a) => !a.startsWith('-'));
  const [first, second] = words;
  if (first === undefined || first === 'help') {
    const named = words.slice(1).join(' ');
    const command = COMMANDS.find((c) => c.name === named);
    if (command) return { help: commandHelp(command), known: true };
    if (named && COMMANDS.some((c) => c.name.startsWith(`${named} `)))
      return { help: groupHelp(named), known: true };
    return { help: rootHelp(), known: first === 'help' || argv.some(isHelp) };
  }
  for (const name of [`${first} ${second}`, first]) {
    const command = COMMANDS.find((c) => c.name === name);
    if (!command) continue;
    const rest = [...argv];
    for (const word of name.split(' ')) rest.splice(rest.indexOf(word), 1);
    return { command, rest };
  }
  if (COMMANDS.some((c) => c.name.startsWith(`${first} `))) {
    if (second === undefined) return { help: groupHelp(first), known: argv.some(isHelp) };
    throw new UsageError(`unknown command: ${first} ${second}`, first);
  }
  throw new UsageError(`unknown command: ${first}`);
}

const isHelp = (arg: string): boolean => arg === '--help' || arg === '-h';

function parse(command: Command, rest: string[]) {
  const options: ParseArgsOptionsConfig = { help: { type: 'boolean', short: 'h' } };
  for (const [name, spec] of Object.entries({ ...command.options, ...COMMON_OPTIONS }))
    if (name !== 'help') options[name] = { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) };
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  } catch (err) {
    // parseArgs names the unknown option or the missing value; it throws TypeErrors with a code.
    const message = (err as Error).message.replace(/\. To specify a positional argument[\s\S]*$/, '');
    throw new UsageError(message, command.name);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { help: true, values, positionals } as const;
  const expected = command.args ?? [];
  if (positionals.length < expected.length)
    throw new UsageError(`missing <${expected[positionals.length]}>`, command.name);
  if (positionals.length > expected.length)
    throw new UsageError(`unexpected argument: ${positionals[expected.length]}`, command.name);
  for (const [name, spec] of Object.entries(command.options ?? {}))
    if (spec.required && values[name] === undefined)
      throw new UsageError(`--${name} is required`, command.name);
  return { help: false, values, positionals } as const;
}

function commandEnv(io: Io): CommandEnv {
  let config: Config | undefined;
  const getConfig = (): Config => (config ??= loadConfig(io.env));
  return {
    config: getConfig,
    audit: { requestId: randomUUID(), actor: { type: 'operator', id: 'cli' } },
    async withContainer(fn) {
      const cfg = getConfig();
      // Logs go to stderr (stdout is the command's answer), warnings and worse unless quieter.
      const quiet = ['error', 'fatal', 'silent'].includes(cfg.logLevel);
      const log = createLogger(quiet ? cfg.logLevel : 'warn', io.stderr);
      // Loaded when a command needs it: help and usage errors answer without loading the gateway.
      const { buildContainer } = await import('../container.ts');
      const container = await buildContainer(cfg, log, {
        background: false,
        defaultMetrics: false,
        generateOperatorKey: false,
      });
      try {
        return await fn(container);
      } finally {
        await container.close();
      }
    },
  };
}

function write(io: Io, output: Output, json: boolean, stream: NodeJS.WritableStream = io.stdout): void {
  stream.write(json ? `${JSON.stringify(output.json, null, 2)}\n` : `${output.text}\n`);
}

function fail(io: Io, json: boolean, code: string, message: string, hint?: string): void {
  if (json) io.stderr.write(`${JSON.stringify({ error: { code, message } })}\n`);
  else io.stderr.write(`trustgate: ${message}\n${hint ? `${hint}\n` : ''}`);
}

/** Runs one command line; resolves to the exit code. Never throws. */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const json = argv.includes('--json');
  try {
    const resolved = resolve(argv);
    if ('help' in resolved) {
      (resolved.known ? io.stdout : io.stderr).write(resolved.help);
      return resolved.known ? EXIT.ok : EXIT.usage;
    }
    const { command, rest } = resolved;
    const parsed = parse(command, rest);
    if (parsed.help) {
      io.stdout.write(commandHelp(command));
      return EXIT.ok;
    }
    const output = await command.run({ args: parsed.positionals, values: parsed.values }, commandEnv(io));
    write(io, output, json);
    return EXIT.ok;
  } catch (err) {
    return failure(io, json, err);
  }
}

function failure(io: Io, json: boolean, err: unknown): number {
  if (err instanceof UsageError) {
    const where = err.command ? `trustgate ${err.command} --help` : 'trustgate --help';
    fail(io, json, 'usage', err.message, `See ${where}.`);
    return EXIT.usage;
  }
  if (err instanceof ConfigError) {
    fail(io, json, err.code, err.message);
    return EXIT.usage;
  }
  if (err instanceof ResealIncomplete) {
    write(io, err.output, json);
    fail(io, json, 'reseal_incomplete', err.message);
    return EXIT.refused;
  }
  if (err instanceof AppError && err.status < 500) {
    const view = publicView(err);
    fail(io, json, view.code, view.message);
    return EXIT.refused;
  }
  // Ours, or the store's: the operator sees the message (no stack; no secret is in one).
  const message = err instanceof Error ? err.message : String(err);
  fail(io, json, err instanceof AppError ? err.code : 'failed', message);
  return EXIT.refused;
}
