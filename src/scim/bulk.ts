import type { JsonObject, JsonValue } from '../storage/ports.ts';
import type { ScimResult } from './core.ts';
import { MAX_BULK_OPERATIONS } from './discovery.ts';
import type { Call } from './dispatch.ts';
import { matchRoute } from './dispatch.ts';
import { badRequest, ScimError, scimErrorView } from './errors.ts';
import { isObject } from './normalise.ts';

const BULK_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BULK_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface BulkOp {
  readonly method: string;
  readonly bulkId: string | undefined;
  readonly path: string;
  readonly data: unknown;
  readonly version: string | undefined;
}

function parseBulk(body: unknown): { ops: BulkOp[]; failOnErrors: number } {
  if (!isObject(body) || !Array.isArray(body.schemas) || !body.schemas.includes(BULK_REQUEST))
    throw badRequest('invalidSyntax', `"schemas" must be ["${BULK_REQUEST}"]`);
  const ops = body.Operations;
  if (!Array.isArray(ops)) throw badRequest('invalidSyntax', '"Operations" must be an array');
  // RFC 7644 §3.7.4: more operations than maxOperations is a 413.
  if (ops.length > MAX_BULK_OPERATIONS)
    throw new ScimError(413, undefined, `at most ${MAX_BULK_OPERATIONS} operations per Bulk request`);
  const failOnErrors = body.failOnErrors === undefined ? Infinity : Number(body.failOnErrors);
  if (!Number.isInteger(failOnErrors) && failOnErrors !== Infinity)
    throw badRequest('invalidValue', '"failOnErrors" must be an integer');
  return { ops: ops.map(parseOp), failOnErrors: failOnErrors < 1 ? Infinity : failOnErrors };
}

function parseOp(raw: unknown, index: number): BulkOp {
  if (!isObject(raw)) throw badRequest('invalidSyntax', `operation ${index} must be an object`);
  const method = typeof raw.method === 'string' ? raw.method.toUpperCase() : '';
  if (!METHODS.has(method))
    throw badRequest('invalidSyntax', `operation ${index}: method must be POST, PUT, PATCH or DELETE`);
  if (typeof raw.path !== 'string') throw badRequest('invalidSyntax', `operation ${index}: path is required`);
  const bulkId = typeof raw.bulkId === 'string' ? raw.bulkId : undefined;
  if (method === 'POST' && !bulkId)
    throw badRequest('invalidSyntax', `operation ${index}: POST needs a bulkId`);
  return {
    method,
    bulkId,
    path: raw.path,
    data: raw.data,
    version: typeof raw.version === 'string' ? raw.version : undefined,
  };
}

/** Replaces `bulkId:x` references (RFC 7644 §3.7.2) with the ids created earlier in this request. */
function resolveRefs(value: unknown, ids: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string' && value.startsWith('bulkId:')) {
    const found = ids.get(value.slice(7));
    if (!found) throw badRequest('invalidValue', `unresolved reference ${value}`);
    return found;
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, ids));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, ids)]));
  return value;
}

async function runOp(call: Call, op: BulkOp, ids: Map<string, string>): Promise<ScimResult> {
  const path = op.path
    .split('/')
    .map((s) => resolveRefs(s, ids) as string)
    .join('/');
  if (/^\/?Bulk/i.test(path)) throw badRequest('invalidPath', 'Bulk requests do not nest');
  const { route, params } = matchRoute(op.method, path);
  const input = { query: {}, body: resolveRefs(op.data, ids), ifMatch: op.version };
  return route.handle({ ...call, params, input });
}

/** POST /Bulk: each operation is its own unit of work (RFC 7644 §3.7: Bulk is not atomic). */
export async function bulk(call: Call): Promise<ScimResult> {
  const { ops, failOnErrors } = parseBulk(call.input.body);
  const ids = new Map<string, string>();
  const results: JsonObject[] = [];
  let errors = 0;
  for (const op of ops) {
    if (errors >= failOnErrors) break;
    const entry: JsonObject = { method: op.method };
    if (op.bulkId) entry.bulkId = op.bulkId;
    try {
      const result = await runOp(call, op, ids);
      const createdId = result.body?.id;
      if (op.bulkId && typeof createdId === 'string') ids.set(op.bulkId, createdId);
      if (result.location) entry.location = result.location;
      if (result.etag) entry.version = result.etag;
      entry.status = String(result.status);
    } catch (err) {
      errors++;
      const view = scimErrorView(err);
      entry.status = view.status;
      entry.response = view as unknown as JsonValue;
    }
    results.push(entry);
  }
  return { status: 200, body: { schemas: [BULK_RESPONSE], Operations: results } };
}
