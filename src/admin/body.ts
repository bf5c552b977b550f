import express from 'express';
import type { Request, RequestHandler } from 'express';
import { refuseProtoKeys, requireUtf8 } from '../platform/http/json.ts';
import { ctx } from '../platform/http/context.ts';
import type { AuditContext } from '../audit/events.ts';
import { requireJsonBody } from './auth.ts';

export const JSON_TYPES = ['application/json', 'application/*+json'];

/** Admin JSON bodies: declared as JSON (415 otherwise), within the limit (413), UTF-8, no `__proto__` keys. */
export function jsonBody(limit: string): RequestHandler[] {
  return [
    requireJsonBody,
    express.json({ limit, type: JSON_TYPES, reviver: refuseProtoKeys, verify: requireUtf8 }),
  ];
}

/** Who acts, under which request: the audit context of an admin request. */
export function auditContext(req: Request): AuditContext {
  const context = ctx(req);
  return { requestId: context.requestId, actor: context.actor };
}
