import type { AuditContext, SealedSecretKind } from '../audit/events.ts';
import type { AuditRecorder } from '../audit/record.ts';
import type { SecretBox } from '../platform/secrets.ts';
import { SecretDecryptionError } from '../platform/secrets.ts';
import type { JsonObject, JsonValue, Storage, Tenant } from '../storage/ports.ts';
import { spKeyContext } from '../connections/saml/connection.ts';
import { clientSecretContext as oidcSecretContext } from '../connections/oidc/connection.ts';
import { clientSecretContext } from '../provider/adapter.ts';
import { SEALED_KEY_RECORDS } from '../provider/keys.ts';
import { secretContext as webhookSecretContext } from '../webhooks/service.ts';

/**
 * Re-encryption of every sealed secret under the current master key (`trustgate keys rotate
 * --master`, docs/operations.md#rotating-the-master-key). The old key must still be configured
 * (`TRUSTGATE_PREVIOUS_MASTER_KEYS`) to open what it sealed. Each record is its own unit of work
 * with its `secret.resealed` events, and only values sealed under another key are touched, so a
 * run that stops half-way is resumed by running it again, and a second run changes nothing.
 */

export interface KindCount {
  /** Sealed values found. */
  checked: number;
  /** Sealed under another key than the current one (before this run). */
  stale: number;
  /** Re-encrypted by this run (0 on a dry run). */
  resealed: number;
}

export interface ResealFailure {
  readonly kind: SealedSecretKind;
  readonly target: string;
  readonly reason: string;
}

export interface ResealReport {
  /** Id of the current master key (first 8 hex digits of its SHA-256). */
  readonly keyId: string;
  readonly dryRun: boolean;
  readonly kinds: Record<SealedSecretKind, KindCount>;
  /** Values that did not open with any configured key: left as they are. */
  readonly failures: ResealFailure[];
}

export interface ResealDeps {
  readonly storage: Storage;
  readonly audit: AuditRecorder;
  readonly secrets: SecretBox;
}

/** A sealed value inside a tenant's connections, by path. */
const TENANT_SECRETS: readonly {
  readonly kind: SealedSecretKind;
  readonly path: readonly [string, ...string[]];
  readonly context: (tenant: Tenant) => string;
}[] = [
  { kind: 'saml_sp_key', path: ['saml', 'sp', 'privateKeySealed'], context: spKeyContext },
  { kind: 'oidc_client_secret', path: ['oidc', 'clientSecretSealed'], context: oidcSecretContext },
];

type Outcome = { kind: 'current' } | { kind: 'resealed'; value: string } | { kind: 'failed'; reason: string };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function at(root: JsonObject, path: readonly string[]): JsonValue | undefined {
  let node: JsonValue | undefined = root;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return node;
}

/** `root` with the value at `path` replaced (copies along the path only). */
function withValue(root: JsonObject, path: readonly string[], value: string): JsonObject {
  const [head, ...rest] = path;
  if (head === undefined) return root;
  const child = root[head];
  return {
    ...root,
    [head]: rest.length === 0 ? value : withValue(isObject(child) ? child : {}, rest, value),
  };
}

export function createResealer(deps: ResealDeps) {
  const { storage, audit, secrets } = deps;

  function reseal(sealed: string, context: string): Outcome {
    if (!secrets.isStale(sealed)) return { kind: 'current' };
    try {
      return { kind: 'resealed', value: secrets.encrypt(secrets.decrypt(sealed, context), context) };
    } catch (err) {
      if (err instanceof SecretDecryptionError) return { kind: 'failed', reason: err.message };
      throw err;
    }
  }

  return async function resealAll(context: AuditContext, options: { dryRun?: boolean } = {}) {
    const dryRun = options.dryRun ?? false;
    const zero = (): KindCount => ({ checked: 0, stale: 0, resealed: 0 });
    const report: ResealReport = {
      keyId: secrets.keyId,
      dryRun,
      kinds: {
        saml_sp_key: zero(),
        oidc_client_secret: zero(),
        client_secret: zero(),
        webhook_secret: zero(),
        provider_signing_keys: zero(),
        provider_cookie_keys: zero(),
      },
      failures: [],
    };
    /** Counts one value; true when it should be written. */
    const tally = (kind: SealedSecretKind, target: string, outcome: Outcome): boolean => {
      const count = report.kinds[kind];
      count.checked += 1;
      if (outcome.kind === 'current') return false;
      count.stale += 1;
      if (outcome.kind === 'failed') {
        report.failures.push({ kind, target, reason: outcome.reason });
        return false;
      }
      return true;
    };

    for (const listed of await storage.tenants.list()) {
      await resealTenant(listed, context, dryRun, tally, report);
      await resealWebhooks(listed, context, dryRun, tally, report);
    }
    await resealClients(context, dryRun, tally, report);
    await resealProviderKeys(context, dryRun, tally, report);
    return report;
  };

  type Tally = (kind: SealedSecretKind, target: string, outcome: Outcome) => boolean;

  async function resealTenant(
    listed: Tenant,
    context: AuditContext,
    dryRun: boolean,
    tally: Tally,
    report: ResealReport,
  ): Promise<void> {
    // Planned on a read first (dry runs and counting); written from a read inside the unit.
    const plan = (tenant: Tenant) => {
      let connections = tenant.connections;
      const outcomes: { kind: SealedSecretKind; outcome: Outcome }[] = [];
      for (const secret of TENANT_SECRETS) {
        const sealed = at(connections, secret.path);
        if (typeof sealed !== 'string') continue;
        const outcome = reseal(sealed, secret.context(tenant));
        outcomes.push({ kind: secret.kind, outcome });
        if (outcome.kind === 'resealed') connections = withValue(connections, secret.path, outcome.value);
      }
      return { connections, outcomes };
    };
    const target = `tenant ${listed.slug}`;
    const planned = plan(listed);
    const writes = planned.outcomes.filter(({ kind, outcome }) => tally(kind, target, outcome));
    if (dryRun || writes.length === 0) return;
    const done = await audit.change(context, async (tx, record) => {
      const tenant = await tx.tenants.get(listed.id);
      if (!tenant) return [];
      const { connections, outcomes } = plan(tenant);
      const resealed = outcomes.filter((o) => o.outcome.kind === 'resealed').map((o) => o.kind);
      if (resealed.length === 0) return [];
      await tx.tenants.update({ ...tenant, connections }, tenant.version);
      for (const kind of resealed)
        record({
          type: 'secret.resealed',
          tenantId: tenant.id,
          target: { type: 'tenant', id: tenant.id },
          data: { kind, keyId: secrets.keyId },
        });
      return resealed;
    });
    for (const kind of done) report.kinds[kind].resealed += 1;
  }

  async function resealWebhooks(
    tenant: Tenant,
    context: AuditContext,
    dryRun: boolean,
    tally: Tally,
    report: ResealReport,
  ): Promise<void> {
    for (const endpoint of await storage.webhooks.list(tenant.id)) {
      const outcome = reseal(endpoint.secret, webhookSecretContext(endpoint));
      if (!tally('webhook_secret', `webhook ${endpoint.id} of tenant ${tenant.slug}`, outcome)) continue;
      if (dryRun || outcome.kind !== 'resealed') continue;
      const written = await audit.change(context, async (tx, record) => {
        // Conditional on the value read: an endpoint re-created or resealed meanwhile is left alone.
        const replaced = await tx.webhooks.replaceSecret(
          tenant.id,
          endpoint.id,
          endpoint.secret,
          outcome.value,
        );
        if (replaced)
          record({
            type: 'secret.resealed',
            tenantId: tenant.id,
            target: { type: 'webhook', id: endpoint.id },
            data: { kind: 'webhook_secret', keyId: secrets.keyId },
          });
        return replaced;
      });
      if (written) report.kinds.webhook_secret.resealed += 1;
    }
  }

  async function resealClients(
    context: AuditContext,
    dryRun: boolean,
    tally: Tally,
    report: ResealReport,
  ): Promise<void> {
    for (const listed of await storage.clients.list()) {
      const sealed = listed.metadata.client_secret;
      if (typeof sealed !== 'string') continue;
      const outcome = reseal(sealed, clientSecretContext(listed.clientId));
      if (!tally('client_secret', `client ${listed.clientId}`, outcome) || dryRun) continue;
      const written = await audit.change(context, async (tx, record) => {
        const client = await tx.clients.get(listed.clientId);
        const current = client?.metadata.client_secret;
        if (!client || typeof current !== 'string') return false;
        const again = reseal(current, clientSecretContext(client.clientId));
        if (again.kind !== 'resealed') return false;
        await tx.clients.update({ ...client, metadata: { ...client.metadata, client_secret: again.value } });
        record({
          type: 'secret.resealed',
          tenantId: null,
          target: { type: 'client', id: client.clientId },
          data: { kind: 'client_secret', keyId: secrets.keyId },
        });
        return true;
      });
      if (written) report.kinds.client_secret.resealed += 1;
    }
  }

  async function resealProviderKeys(
    context: AuditContext,
    dryRun: boolean,
    tally: Tally,
    report: ResealReport,
  ): Promise<void> {
    const records = [
      ['provider_signing_keys', SEALED_KEY_RECORDS.signing],
      ['provider_cookie_keys', SEALED_KEY_RECORDS.cookies],
    ] as const;
    for (const [kind, key] of records) {
      const sealed = await storage.ephemeral.get(key);
      if (sealed === undefined) continue;
      const outcome = reseal(sealed, key);
      if (!tally(kind, key, outcome) || dryRun || outcome.kind !== 'resealed') continue;
      // Protocol state is written outside units of work (the port's rule), so the event follows
      // the write rather than sharing its transaction.
      await storage.ephemeral.put(key, outcome.value, null);
      await audit.event(context, {
        type: 'secret.resealed',
        tenantId: null,
        target: { type: 'provider_keys', id: key },
        data: { kind, keyId: secrets.keyId },
      });
      report.kinds[kind].resealed += 1;
    }
  }
}

export type Resealer = ReturnType<typeof createResealer>;
