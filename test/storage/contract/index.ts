/**
 * The storage contract: every adapter runs this suite, so SQLite and MongoDB keep the same
 * semantics (ports.ts). `open` must return a fresh, empty store on every call; each test closes
 * the store it opened.
 */
import type { Storage } from '../../../src/storage/ports.ts';
import { accountsContract } from './accounts.ts';
import { auditContract } from './audit.ts';
import { countersContract } from './counters.ts';
import { ephemeralContract } from './ephemeral.ts';
import { filtersContract } from './filters.ts';
import { membershipsContract } from './memberships.ts';
import { paginationContract } from './pagination.ts';
import { scimLogContract } from './scim-log.ts';
import { setupLinksContract } from './setup-links.ts';
import { teamsContract } from './teams.ts';
import { tenantsContract } from './tenants.ts';
import { tokensContract } from './tokens.ts';
import { transactionsContract } from './transactions.ts';
import { webhooksContract } from './webhooks.ts';

export function storageContract(open: () => Promise<Storage>): void {
  describe('storage contract', () => {
    it('is reachable', async () => {
      const storage = await open();
      await storage.ping();
      await storage.close();
    });
    tenantsContract(open);
    tokensContract(open);
    accountsContract(open);
    paginationContract(open);
    teamsContract(open);
    membershipsContract(open);
    auditContract(open);
    webhooksContract(open);
    scimLogContract(open);
    setupLinksContract(open);
    ephemeralContract(open);
    countersContract(open);
    filtersContract(open);
    transactionsContract(open);
  });
}
