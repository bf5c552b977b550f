import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

// One getrandom call per 256 ids instead of one per id (as crypto.randomUUID batches too).
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function randomTail(): Buffer {
  if (poolOffset >= pool.length) {
    pool = randomBytes(10 * POOL_IDS);
    poolOffset = 0;
  }
  poolOffset += 10;
  return pool.subarray(poolOffset - 10, poolOffset);
}

/**
 * A UUIDv7 (RFC 9562 §5.7): time-ordered, so sorting ids sorts by creation and pagination by id is
 * stable. Within one millisecond a 12-bit counter in `rand_a` keeps ids monotonic in this process.
 */
export function newId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    sequence += 1;
    if (sequence > 0xfff) {
      ms = lastMs + 1;
      sequence = 0;
    }
  } else {
    sequence = 0;
  }
  lastMs = ms;
  const bytes = Buffer.allocUnsafe(16);
  randomTail().copy(bytes, 6);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (sequence >> 8);
  bytes[7] = sequence & 0xff;
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A random secret of `bytes` bytes (default 32 = 256 bits), base64url encoded. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
