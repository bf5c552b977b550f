import type { ConfigInput } from '../src/platform/config.ts';

export const OPERATOR_KEY = 'bench-operator-key-0123456789abcdef0123456789';

/** The gateway's configuration in the bench: durable SQLite in `dataDir`, access log off (`warn`). */
export function benchConfig(dataDir: string): ConfigInput {
  return {
    publicUrl: 'http://127.0.0.1:3000',
    dataDir,
    adminKey: OPERATOR_KEY,
    masterKey: Buffer.alloc(32, 9).toString('base64'),
    logLevel: (process.env.BENCH_LOG_LEVEL ?? 'warn') as ConfigInput['logLevel'],
    // BENCH_SCIM_LOG_DAYS=0 turns the SCIM request log off, to measure what it costs.
    scimLogRetentionDays: Number(process.env.BENCH_SCIM_LOG_DAYS ?? 7),
    // Limits on but out of reach: the bench measures what counting costs, never a 429.
    rateLimitScimPerToken: 10_000_000,
    rateLimitScimPerAddress: 10_000_000,
    rateLimitAdminPerToken: 10_000_000,
    rateLimitAdminPerAddress: 10_000_000,
  };
}
