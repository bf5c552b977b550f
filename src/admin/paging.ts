import type { Request } from 'express';
import { isAuditType } from '../audit/events.ts';
import { parseCursor } from '../events/view.ts';
import { BadRequest } from '../platform/errors.ts';

const MAX_PAGE = 500;

function single(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadRequest(`${name}: give it once`);
  return value;
}

/** `limit`: 1–500, default 100. */
export function limitParam(req: Request): number {
  const raw = single(req, 'limit');
  const n = raw === undefined ? 100 : Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE)
    throw new BadRequest(`limit: an integer from 1 to ${MAX_PAGE}`);
  return n;
}

/** A `sequence` cursor (`after` on the events stream, `before` on deliveries), null when absent. */
export function seqCursorParam(req: Request, name: 'after' | 'before'): number | null {
  const raw = single(req, name);
  if (raw === undefined) return null;
  const seq = parseCursor(raw);
  if (seq === undefined) throw new BadRequest(`${name}: a cursor returned as nextCursor`);
  return seq;
}

/** An id cursor (UUIDv7) of the SCIM request log. */
export function idCursorParam(req: Request, name: 'before'): string | null {
  const raw = single(req, name);
  if (raw === undefined) return null;
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(raw))
    throw new BadRequest(`${name}: a cursor returned as nextCursor`);
  return raw;
}

/** `types=a,b`: known event types only; undefined when absent. */
export function typesParam(req: Request): string[] | undefined {
  const raw = single(req, 'types');
  if (raw === undefined) return undefined;
  const types = [...new Set(raw.split(',').map((t) => t.trim()))].filter(Boolean);
  if (types.length === 0) throw new BadRequest('types: a comma-separated list of event types');
  const unknown = types.find((t) => !isAuditType(t));
  if (unknown !== undefined) throw new BadRequest(`types: unknown event type ${unknown.slice(0, 64)}`);
  return types;
}
