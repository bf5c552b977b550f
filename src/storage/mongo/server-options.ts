/**
 * Trustgate's own MongoDB URI parameter, read (and removed) before the URI reaches the driver,
 * which refuses parameters it does not know.
 *
 * `trustgateWithout=<feature>[,<feature>]` names features of MongoDB that the server lacks, for
 * wire-compatible test servers (FerretDB in CI, docs/decisions/0040-ferretdb-in-ci.md). Each one
 * weakens the store, so it is never for production, and start-up warns about it on every start:
 *
 * - `transactions`: every unit of work runs as plain single-document writes, with no replica-set
 *   check. A unit of work that fails half-way leaves its earlier writes behind, its audit event
 *   included.
 * - `ttlIndexes`: no TTL index on the ephemeral store. Reads still ignore expired entries
 *   (ephemeral.ts), but nothing deletes them.
 */
import { StorageError } from '../ports.ts';

export const WITHOUT_PARAMETER = 'trustgateWithout';

const FEATURES = ['transactions', 'ttlIndexes'] as const;
export type OptionalFeature = (typeof FEATURES)[number];

export interface ServerOptions {
  /** The URI as the driver gets it: without Trustgate's own parameter. */
  readonly uri: string;
  /** Features the URI says the server lacks (empty for a real MongoDB deployment). */
  readonly without: ReadonlySet<OptionalFeature>;
}

const isFeature = (name: string): name is OptionalFeature => (FEATURES as readonly string[]).includes(name);

/** Splits Trustgate's parameter off a `mongodb://` URI; an unknown feature name is refused. */
export function serverOptions(uri: string): ServerOptions {
  const at = uri.indexOf('?');
  const without = new Set<OptionalFeature>();
  if (at < 0) return { uri, without };
  const kept: string[] = [];
  for (const part of uri.slice(at + 1).split('&')) {
    const [name = '', value = ''] = part.split('=', 2);
    if (name !== WITHOUT_PARAMETER) {
      if (part !== '') kept.push(part);
      continue;
    }
    for (const feature of decodeURIComponent(value).split(',')) {
      if (!isFeature(feature)) {
        throw new StorageError(
          `MongoDB URI: ${WITHOUT_PARAMETER} takes ${FEATURES.join(', ')}, not "${feature}"`,
        );
      }
      without.add(feature);
    }
  }
  const base = uri.slice(0, at);
  return { uri: kept.length > 0 ? `${base}?${kept.join('&')}` : base, without };
}

/** The start-up warning for a weakened store, or null for a full one. */
export function weakenedWarning(without: ReadonlySet<OptionalFeature>): string | null {
  const lost: string[] = [];
  if (without.has('transactions')) {
    lost.push('units of work are NOT atomic (no multi-document transactions, no replica-set check)');
  }
  if (without.has('ttlIndexes')) lost.push('expired ephemeral entries are never deleted (no TTL index)');
  if (lost.length === 0) return null;
  return `MongoDB ${WITHOUT_PARAMETER}=${[...without].join(',')}: ${lost.join('; ')}. For test servers only, never in production.`;
}
