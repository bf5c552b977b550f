import type { AuditContext } from '../audit/events.ts';
import type { AuditRecorder } from '../audit/record.ts';
import { NotFound } from '../platform/errors.ts';
import type { SecretBox } from '../platform/secrets.ts';
import type { Storage } from '../storage/ports.ts';
import { addSigningKey, loadSigningKeys, promoteSigningKey } from '../provider/keys.ts';
import { createResealer } from './reseal.ts';

export interface SigningKeyView {
  readonly kid: string;
  /** The first key signs; the others are only published in `/oauth/jwks`. */
  readonly signs: boolean;
}

export interface KeyServiceDeps {
  readonly storage: Storage;
  readonly audit: AuditRecorder;
  readonly secrets: SecretBox;
}

/**
 * Key rotation as an operator runs it (the CLI): the provider's signing keys in two steps
 * (docs/decisions/0022-signing-key-rotation.md) and re-encryption under a new master key. The
 * signing keys are protocol state (the ephemeral store, outside units of work), so each step's
 * event is written just after it.
 */
export function createKeyService(deps: KeyServiceDeps) {
  const { storage, audit, secrets } = deps;
  const store = storage.ephemeral;

  async function signingKeys(): Promise<SigningKeyView[]> {
    return (await loadSigningKeys(store, secrets)).map((k, i) => ({ kid: k.kid, signs: i === 0 }));
  }

  return {
    /** Id of the master key new secrets are sealed with. */
    masterKeyId: secrets.keyId,
    signingKeys,

    /** Step 1: a new key, published but not signing. */
    async addSigningKey(context: AuditContext): Promise<{ kid: string; keys: SigningKeyView[] }> {
      const kid = await addSigningKey(store, secrets);
      await audit.event(context, {
        type: 'signing_key.added',
        tenantId: null,
        target: { type: 'signing_key', id: kid },
        data: { kid },
      });
      return { kid, keys: await signingKeys() };
    },

    /** Step 2: `kid` signs from each instance's next start; keys beyond the two newest go. */
    async promoteSigningKey(
      context: AuditContext,
      kid: string,
    ): Promise<{ kid: string; retired: string[]; keys: SigningKeyView[] }> {
      const before = await signingKeys();
      if (!before.some((k) => k.kid === kid)) throw new NotFound(`no signing key ${kid}`);
      await promoteSigningKey(store, secrets, kid);
      const keys = await signingKeys();
      const retired = before.filter((k) => !keys.some((after) => after.kid === k.kid)).map((k) => k.kid);
      await audit.event(context, {
        type: 'signing_key.promoted',
        tenantId: null,
        target: { type: 'signing_key', id: kid },
        data: { kid, retired },
      });
      return { kid, retired, keys };
    },

    /** Re-encrypts every secret sealed under an older master key (see reseal.ts). */
    resealSecrets: createResealer({ storage, audit, secrets }),
  };
}

export type KeyService = ReturnType<typeof createKeyService>;
