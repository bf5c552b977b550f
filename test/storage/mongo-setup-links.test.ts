/**
 * The MongoDB adapter's setup-link redemption filter (mongo/setup-links.ts), run with mingo over
 * the documents the adapter would store, against which links SQLite redeems for the same records
 * (docs/decisions/0003-mongo-verified-with-mingo.md).
 */
import assert from 'node:assert/strict';
import { Query } from 'mingo';
import { newId } from '../../src/platform/ids.ts';
import type { SetupLink, TenantId } from '../../src/storage/ports.ts';
import {
  documentToSetupLink,
  redeemFilter,
  setupLinkToDocument,
} from '../../src/storage/mongo/setup-links.ts';
import { createSqliteStorage } from '../../src/storage/sqlite/index.ts';
import { makeTenant } from './contract/helpers.ts';

const NOW = '2030-06-01T12:00:00.000Z';

describe('mongo setup-link redemption, cross-checked with mingo', () => {
  const a = makeTenant();
  const b = makeTenant();
  const link = (tenantId: TenantId, expiresAt: string, usedAt: string | null): SetupLink => ({
    tenantId,
    id: newId(),
    hash: `h-${newId()}`,
    createdAt: '2030-06-01T00:00:00.000Z',
    expiresAt,
    usedAt,
  });
  const links = [
    link(a.id, '2030-06-02T00:00:00.000Z', null), // live
    link(a.id, NOW, null), // expires exactly now: not redeemable
    link(a.id, '2030-06-01T11:59:59.999Z', null), // expired
    link(a.id, '2030-06-02T00:00:00.000Z', '2030-06-01T11:00:00.000Z'), // used
    link(b.id, '2030-06-02T00:00:00.000Z', null), // another tenant's
  ];

  it('round-trips a link through its document', () => {
    for (const l of links) assert.deepEqual(documentToSetupLink(setupLinkToDocument(l)), l);
  });

  it('matches exactly the links SQLite redeems, and only through their own tenant', async () => {
    const docs = links.map(setupLinkToDocument);
    const storage = await createSqliteStorage(':memory:');
    try {
      await storage.tenants.insert(a);
      await storage.tenants.insert(b);
      for (const l of links) await storage.setupLinks.insert(l);
      for (const l of links) {
        for (const tenant of [a, b]) {
          const mingo = new Query(redeemFilter(tenant.id, l.id, NOW), {}).find(docs).all().length;
          const sqlite = await storage.setupLinks.redeem(tenant.id, l.id, NOW);
          assert.equal(
            mingo === 1,
            sqlite,
            `link ${links.indexOf(l)} through tenant ${tenant === a ? 'a' : 'b'}`,
          );
        }
      }
      assert.deepEqual(
        (await storage.setupLinks.list(a.id)).filter((l) => l.usedAt === NOW).map((l) => l.id),
        [links[0]?.id],
      );
    } finally {
      await storage.close();
    }
  });
});
