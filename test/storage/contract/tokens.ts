import assert from 'node:assert/strict';
import { newId } from '../../../src/platform/ids.ts';
import type { ApiToken, OAuthClient, TenantId, TokenId, TokenKind } from '../../../src/storage/ports.ts';
import { UniquenessConflict } from '../../../src/storage/ports.ts';
import type { Open } from './helpers.ts';
import { twoTenants, useStorage } from './helpers.ts';

function makeToken(tenantId: TenantId, kind: TokenKind = 'scim'): ApiToken {
  return {
    id: newId() as TokenId,
    tenantId,
    kind,
    hash: `hash-${newId()}`,
    label: 'Okta',
    createdAt: new Date().toISOString(),
    lastUsedAt: null,
  };
}

export function tokensContract(open: Open): void {
  describe('tokens', () => {
    const storage = useStorage(open);

    it("finds a token by hash and lists a tenant's tokens by kind", async () => {
      const [a, b] = await twoTenants(storage());
      const scim = makeToken(a.id, 'scim');
      const admin = makeToken(a.id, 'admin');
      const foreign = makeToken(b.id, 'scim');
      for (const token of [scim, admin, foreign]) await storage().tokens.insert(token);
      assert.deepEqual(await storage().tokens.findByHash(scim.hash), scim);
      assert.equal(await storage().tokens.findByHash('nope'), undefined);
      assert.deepEqual(await storage().tokens.list(a.id), [scim, admin]);
      assert.deepEqual(await storage().tokens.list(a.id, 'admin'), [admin]);
      assert.deepEqual(await storage().tokens.list(b.id), [foreign]);
    });

    it('refuses a duplicate hash', async () => {
      const [a, b] = await twoTenants(storage());
      const token = makeToken(a.id);
      await storage().tokens.insert(token);
      await assert.rejects(
        storage().tokens.insert({ ...makeToken(b.id), hash: token.hash }),
        (err) => err instanceof UniquenessConflict && err.field === 'hash',
      );
    });

    it('removes a token only through its own tenant', async () => {
      const [a, b] = await twoTenants(storage());
      const token = makeToken(a.id);
      await storage().tokens.insert(token);
      assert.equal(await storage().tokens.remove(b.id, token.id), false);
      assert.deepEqual(await storage().tokens.findByHash(token.hash), token);
      assert.equal(await storage().tokens.remove(a.id, token.id), true);
      assert.equal(await storage().tokens.findByHash(token.hash), undefined);
      assert.equal(await storage().tokens.remove(a.id, token.id), false);
    });

    it('records the last use, only through the token’s own tenant', async () => {
      const [a, b] = await twoTenants(storage());
      const token = makeToken(a.id);
      await storage().tokens.insert(token);
      await storage().tokens.touch(b.id, token.id, '2031-01-01T00:00:00.000Z');
      assert.equal((await storage().tokens.findByHash(token.hash))?.lastUsedAt, null);
      await storage().tokens.touch(a.id, token.id, '2030-05-05T05:05:05.005Z');
      assert.equal((await storage().tokens.findByHash(token.hash))?.lastUsedAt, '2030-05-05T05:05:05.005Z');
    });
  });

  describe('clients', () => {
    const storage = useStorage(open);
    const client = (clientId: string): OAuthClient => ({
      clientId,
      name: `App ${clientId}`,
      metadata: { redirect_uris: ['https://app.test/cb'], client_secret: 'enc:abc' },
      createdAt: '2024-01-01T00:00:00.000Z',
    });

    it('stores, lists, finds and removes product apps', async () => {
      await storage().clients.insert(client('b-app'));
      await storage().clients.insert(client('a-app'));
      assert.deepEqual(await storage().clients.get('a-app'), client('a-app'));
      assert.deepEqual(
        (await storage().clients.list()).map((c) => c.clientId),
        ['a-app', 'b-app'],
      );
      await assert.rejects(storage().clients.insert(client('a-app')), UniquenessConflict);
      assert.equal(await storage().clients.remove('a-app'), true);
      assert.equal(await storage().clients.remove('a-app'), false);
      assert.equal(await storage().clients.get('a-app'), undefined);
    });

    it('replaces a product app’s name and metadata, keeping when it was created', async () => {
      await storage().clients.insert(client('a-app'));
      const changed = {
        ...client('a-app'),
        name: 'Renamed',
        metadata: { redirect_uris: ['https://app.test/cb'], client_secret: 'enc:def' },
        createdAt: '2030-01-01T00:00:00.000Z',
      };
      assert.equal(await storage().clients.update(changed), true);
      assert.deepEqual(await storage().clients.get('a-app'), {
        ...changed,
        createdAt: client('a-app').createdAt,
      });
      assert.equal(await storage().clients.update(client('no-app')), false);
      assert.equal(await storage().clients.get('no-app'), undefined);
    });
  });
}
