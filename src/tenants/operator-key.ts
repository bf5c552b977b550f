import type { Storage } from '../storage/ports.ts';
import { newSecret } from '../platform/ids.ts';
import { safeEqual, sha256Hex } from '../platform/secrets.ts';
import { auditInput, SYSTEM } from '../audit/events.ts';

const STORED_KEY = 'system:operator-key-sha256';

export interface OperatorKeys {
  /** True when `bearer` is the operator key (constant time). */
  matches(bearer: string): boolean;
  /**
   * Names the current key without revealing it (a hash of its hash): the admin page keeps it in
   * an operator's session, so a session outlives neither a change of key nor a restart with another.
   */
  readonly fingerprint: string;
}

/**
 * The operator key: `TRUSTGATE_ADMIN_KEY` when set. Otherwise the first start generates one,
 * stores only its SHA-256 and hands the key back once so `main` can print it; later starts find
 * the hash. Setting the variable later replaces the generated key. `generate: false` (the CLI)
 * never creates one.
 */
export async function loadOperatorKeys(
  storage: Storage,
  configured: string | undefined,
  options: { readonly generate?: boolean } = {},
): Promise<{ keys: OperatorKeys; generated: string | null }> {
  let hash: string;
  let generated: string | null = null;
  if (configured) {
    hash = sha256Hex(configured);
  } else {
    const stored = await storage.ephemeral.get(STORED_KEY);
    if (stored) {
      hash = stored;
    } else if (options.generate === false) {
      // The CLI does not use the operator key: it leaves generating (and printing) one to the
      // first server start rather than mint a key nobody would see.
      return { keys: { matches: () => false, fingerprint: '' }, generated: null };
    } else {
      const key = `tgo_${newSecret(32)}`;
      hash = sha256Hex(key);
      // Another process racing on the same store may have won: then its key stands.
      const created = await storage.ephemeral.putIfAbsent(STORED_KEY, hash, null);
      if (created) {
        await storage.audit.append(
          auditInput(SYSTEM, { type: 'operator.key_generated', tenantId: null, target: null, data: {} }),
        );
        generated = key;
      } else hash = (await storage.ephemeral.get(STORED_KEY)) ?? hash;
    }
  }
  return {
    keys: {
      matches: (bearer) => safeEqual(sha256Hex(bearer), hash),
      fingerprint: sha256Hex(`fingerprint:${hash}`),
    },
    generated,
  };
}
