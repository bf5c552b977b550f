import type { AuditContext } from '../audit/events.ts';
import type { Config } from '../platform/config.ts';
import type { Container } from '../container.ts';

/** A mistake in how the command was called: exit code 2, with a pointer to `--help`. */
export class UsageError extends Error {
  readonly command: string | null;
  constructor(message: string, command: string | null = null) {
    super(message);
    this.name = 'UsageError';
    this.command = command;
  }
}

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** Missing is a usage error (exit 2). */
  readonly required?: boolean;
  /** The value's placeholder in help (`<name>`). */
  readonly value?: string;
  readonly help: string;
}

export type Values = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export interface Input {
  readonly args: readonly string[];
  readonly values: Values;
}

/** What a command prints: one JSON document with `--json`, else the text. */
export interface Output {
  readonly json: unknown;
  readonly text: string;
}

/** What a command may use: the configuration, and the container built from it (closed after). */
export interface CommandEnv {
  config(): Config;
  withContainer<T>(fn: (container: Container) => Promise<T>): Promise<T>;
  /** Who acts in the audit trail: the operator, through the CLI, under one id per run. */
  readonly audit: AuditContext;
}

export interface Command {
  /** Words after `trustgate`: `tenant create`, `migrate`. */
  readonly name: string;
  readonly summary: string;
  /** Positional arguments, all required, in order. */
  readonly args?: readonly string[];
  readonly options?: Readonly<Record<string, OptionSpec>>;
  /** More help text, shown under the summary. */
  readonly details?: string;
  run(input: Input, env: CommandEnv): Promise<Output>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', help: 'print one JSON document on stdout instead of text' },
  help: { type: 'boolean', help: 'show this help' },
};

export function optionalString(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function strings(values: Values, name: string): string[] {
  const value = values[name];
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

export const flag = (values: Values, name: string): boolean => values[name] === true;

function optionUsage(name: string, spec: OptionSpec): string {
  return spec.type === 'string' ? `--${name} <${spec.value ?? 'value'}>` : `--${name}`;
}

export function usageLine(command: Command): string {
  const args = (command.args ?? []).map((a) => `<${a}>`);
  const options = Object.entries(command.options ?? {}).map(
    ([name, spec]) =>
      `${spec.required ? optionUsage(name, spec) : `[${optionUsage(name, spec)}]`}${spec.multiple ? '...' : ''}`,
  );
  return ['trustgate', command.name, ...args, ...options, '[--json]'].join(' ');
}

export function commandHelp(command: Command): string {
  const entries = Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(
    ([name, spec]) => [name === 'help' ? '-h, --help' : optionUsage(name, spec), spec] as const,
  );
  const width = Math.max(...entries.map(([left]) => left.length));
  const options = entries.map(
    ([left, spec]) => `  ${left.padEnd(width)}  ${spec.help}${spec.multiple ? ' (repeatable)' : ''}`,
  );
  return [
    `Usage: ${usageLine(command)}`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'Options:',
    ...options,
    '',
  ].join('\n');
}

/** Rows as aligned columns (the first row is the header). */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
