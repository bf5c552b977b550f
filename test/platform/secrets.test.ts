import assert from 'node:assert/strict';
import {
  createSecretBox,
  keyIdOf,
  safeEqual,
  SecretDecryptionError,
  sha256Hex,
} from '../../src/platform/secrets.ts';
import { newId } from '../../src/platform/ids.ts';

const keyA = Buffer.alloc(32, 1);
const keyB = Buffer.alloc(32, 2);

describe('secrets', () => {
  it('round-trips and names the key in the ciphertext', () => {
    const box = createSecretBox(keyA);
    const sealed = box.encrypt('client-secret', 'tenant:1:oidc');
    assert.ok(sealed.startsWith(`v1.${keyIdOf(keyA)}.`));
    assert.ok(!sealed.includes('client-secret'));
    assert.equal(box.decrypt(sealed, 'tenant:1:oidc'), 'client-secret');
    assert.notEqual(box.encrypt('x'), box.encrypt('x'), 'fresh IV each time');
  });

  it('refuses a ciphertext moved to another context or tampered with', () => {
    const box = createSecretBox(keyA);
    const sealed = box.encrypt('secret', 'tenant:1');
    assert.throws(() => box.decrypt(sealed, 'tenant:2'), SecretDecryptionError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3], 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    parts[3] = body.toString('base64url');
    assert.throws(() => box.decrypt(parts.join('.'), 'tenant:1'), SecretDecryptionError);
    assert.throws(() => box.decrypt('garbage'), SecretDecryptionError);
  });

  it('rotates: new key encrypts, previous key still decrypts', () => {
    const old = createSecretBox(keyA);
    const sealed = old.encrypt('secret');
    const rotated = createSecretBox(keyB, [keyA]);
    assert.equal(rotated.decrypt(sealed), 'secret');
    assert.equal(rotated.isStale(sealed), true);
    assert.equal(rotated.isStale(rotated.encrypt('secret')), false);
    assert.throws(() => createSecretBox(keyB).decrypt(sealed), /unknown master key/);
  });

  it('compares tokens in constant time by hash', () => {
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'abcd'), false);
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('makes time-ordered UUIDv7 ids', () => {
    const ids = Array.from({ length: 5000 }, () => newId());
    assert.deepEqual([...ids].sort(), ids, 'monotonic');
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids.slice(0, 10))
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
