import mongoose from 'mongoose';
import type { Connection, Model } from 'mongoose';

const { Schema } = mongoose;

/** As in schemas.ts: explicit, strict, indexes built by `prepare()`, `tenantId` leading. */
const OPTIONS = {
  autoIndex: false,
  autoCreate: false,
  minimize: false,
  strict: 'throw',
  versionKey: false,
  id: false,
} as const;

// The last `seq` of each scope (`_id`: the tenant id, or OPERATOR_SCOPE). Taken with `$inc`
// inside the unit of work that writes the event: a concurrent unit of the same tenant meets a
// write conflict on this document and runs again after this one commits, so numbers are taken in
// commit order (docs/decisions/0060-events-outbox.md).
const sequences = new Schema({ _id: String, seq: Number }, OPTIONS);

const webhooks = new Schema(
  {
    _id: String,
    tenantId: String,
    url: String,
    types: [String],
    secret: String,
    createdAt: String,
    cursor: Number,
    nextAttemptAt: String,
    leaseOwner: String,
    leaseUntil: String,
  },
  OPTIONS,
);
// `null` means every type, so mongoose must not turn a missing array into `[]`.
webhooks.path('types').default(undefined);
webhooks.index({ tenantId: 1, _id: 1 });
// The dispatcher's scan across tenants (claim): few documents, one per endpoint, unsharded.
webhooks.index({ nextAttemptAt: 1 });

const deliveries = new Schema(
  {
    _id: String,
    tenantId: String,
    endpointId: String,
    eventId: String,
    eventSeq: Number,
    eventType: String,
    status: String,
    attempts: Number,
    firstAttemptAt: String,
    lastAttemptAt: String,
    nextAttemptAt: String,
    lastStatusCode: Number,
    lastError: String,
  },
  OPTIONS,
);
deliveries.index({ tenantId: 1, endpointId: 1, eventId: 1 }, { unique: true });
deliveries.index({ tenantId: 1, endpointId: 1, eventSeq: -1 });

// A refused request's error; null (or absent, in entries written before it) for a success.
const scimLogError = new Schema({ scimType: String, detail: String }, { _id: false, strict: 'throw' });
const scimLog = new Schema(
  {
    _id: String,
    tenantId: String,
    at: String,
    method: String,
    path: String,
    status: Number,
    durationMs: Number,
    tokenId: String,
    requestId: String,
    body: String,
    error: scimLogError,
    expiresAt: Date,
  },
  OPTIONS,
);
scimLog.index({ tenantId: 1, _id: -1 });
scimLog.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

export interface EventModels {
  readonly sequences: Model<unknown>;
  readonly webhooks: Model<unknown>;
  readonly deliveries: Model<unknown>;
  readonly scimLog: Model<unknown>;
}

export function createEventModels(connection: Connection): EventModels {
  return {
    sequences: connection.model<unknown>('EventSequence', sequences, 'event_sequences'),
    webhooks: connection.model<unknown>('Webhook', webhooks, 'webhooks'),
    deliveries: connection.model<unknown>('WebhookDelivery', deliveries, 'webhook_deliveries'),
    scimLog: connection.model<unknown>('ScimLogEntry', scimLog, 'scim_log'),
  };
}
