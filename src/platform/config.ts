import { InternalError } from './errors.ts';
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Configuration: `config/default.json`, then `config/<NODE_ENV>.json`, then environment
 * variables, validated once at start and frozen. Nothing else reads `process.env`.
 * `docs/configuration.md` documents each key (it is checked against `ENV_KEYS` by a test).
 */

const SIZE = /^(\d+)(b|kb|mb)$/i;

const byteSize = z
  .string()
  .regex(SIZE, 'a size such as 512kb or 1mb')
  .describe('Largest accepted request body (JSON, SCIM, SAML), e.g. `1mb`.');

/** Requests per minute (or failures), a whole number; 0 turns the limit off. */
const perMinute = (fallback: number, description: string) =>
  z.coerce.number().int().min(0).max(10_000_000).default(fallback).describe(description);

/** Rate limits and lockout (docs/decisions/0090-rate-limits.md); tenants may override the first three. */
function rateLimitSchema() {
  return {
    rateLimitScimPerToken: perMinute(
      6000,
      'SCIM requests per minute per token (0: no limit); a tenant setting may override it.',
    ),
    rateLimitScimPerAddress: perMinute(
      12_000,
      'SCIM requests per minute per client address within a tenant (0: no limit); a tenant setting may override it.',
    ),
    rateLimitAdminPerToken: perMinute(
      600,
      'Admin API requests per minute per admin token or operator key (0: no limit); a tenant setting may override it for its tokens.',
    ),
    rateLimitAdminPerAddress: perMinute(
      1200,
      'Admin API requests per minute per client address (0: no limit).',
    ),
    lockoutFailures: perMinute(
      10,
      'Failed authentications per minute from one client address (per tenant on SCIM) that lock it out (0: no lockout).',
    ),
    lockoutSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(60)
      .describe('The first lockout, in seconds; each further lockout within an hour doubles it.'),
    lockoutMaxSeconds: z.coerce
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(900)
      .describe('The longest lockout, in seconds.'),
  };
}

const ConfigSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000).describe('TCP port to listen on.'),
  host: z.string().min(1).default('127.0.0.1').describe('Interface to listen on (`0.0.0.0` in containers).'),
  publicUrl: z
    .url({ protocol: /^https?$/ })
    .default('http://127.0.0.1:3000')
    .transform((u) => u.replace(/\/+$/, ''))
    .describe(
      'The URL people and IdPs reach Trustgate at: SAML entity ids, ACS and OIDC issuer derive from it.',
    ),
  dataDir: z
    .string()
    .min(1)
    .default('data')
    .describe('Directory of the SQLite file and the development master key.'),
  mongodbUri: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'a mongodb:// or mongodb+srv:// URI')
    .optional()
    .describe('When set, MongoDB (mongoose) is the store instead of the embedded SQLite file.'),
  adminKey: z
    .string()
    .min(32, 'at least 32 characters')
    .optional()
    .describe(
      'Operator key for the admin API. Absent: one is generated on first start, printed once, stored hashed.',
    ),
  masterKey: z
    .string()
    .refine(
      (s) => Buffer.from(s, 'base64').length === 32,
      '32 random bytes in base64 (openssl rand -base64 32)',
    )
    .optional()
    .describe(
      'Encrypts secrets at rest (AES-256-GCM). Absent: a development key is generated in the data directory.',
    ),
  previousMasterKeys: z
    .array(z.string().refine((s) => Buffer.from(s, 'base64').length === 32, '32 random bytes in base64'))
    .default([])
    .describe(
      'Older master keys, still accepted for decryption during a key rotation (comma-separated in the environment).',
    ),
  bodyLimit: byteSize.default('1mb'),
  logLevel: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level.'),
  trustProxy: z
    .boolean()
    .default(false)
    .describe('Trust `X-Forwarded-*` from a reverse proxy (needed behind TLS termination).'),
  allowInsecureIdp: z
    .boolean()
    .default(false)
    .describe('Development and tests only: allow http and loopback/private IdP and metadata URLs.'),
  metadataRefreshSeconds: z.coerce
    .number()
    .int()
    .min(0)
    .default(43200)
    .describe(
      'How often SAML metadata from a metadataUrl is fetched again and IdP certificates are checked for expiry (seconds, default 12 h; 0 turns it off).',
    ),
  allowPrivateWebhooks: z
    .boolean()
    .default(false)
    .describe('Development and tests only: allow http and loopback/private webhook targets.'),
  eventRetentionDays: z.coerce
    .number()
    .int()
    .min(3)
    .max(3650)
    .default(30)
    .describe('Days events (the audit trail) are kept; at least the 3 days webhooks retry for.'),
  scimLogRetentionDays: z.coerce
    .number()
    .int()
    .min(0)
    .max(90)
    .default(7)
    .describe('Days the SCIM request log is kept; 0 turns the log off.'),
  webhookTimeoutSeconds: z.coerce
    .number()
    .positive()
    .max(60)
    .default(10)
    .describe('How long a webhook endpoint has to answer a delivery.'),
  webhookRetryBaseSeconds: z.coerce
    .number()
    .positive()
    .default(10)
    .describe('Delay before the first retry of a failed delivery; each next one is longer.'),
  webhookRetryFactor: z.coerce
    .number()
    .min(1)
    .max(10)
    .default(3.5)
    .describe('Growth of the retry delay (10 s, 35 s, 2 min, 7 min… by default), each with ±20 % jitter.'),
  webhookRetryMaxSeconds: z.coerce
    .number()
    .positive()
    .default(21_600)
    .describe('Longest delay between two retries.'),
  webhookRetryForHours: z.coerce
    .number()
    .positive()
    .max(72)
    .default(72)
    .describe('How long a delivery is retried before it is marked failed and the next event goes.'),
  webhookPollSeconds: z.coerce
    .number()
    .positive()
    .max(60)
    .default(2)
    .describe('How often the dispatcher looks for due deliveries (it also wakes on new events).'),
  adminUiIdleMinutes: z.coerce
    .number()
    .int()
    .min(1)
    .max(1440)
    .default(30)
    .describe('The admin page (`/admin/ui`): a session ends after this many minutes without a request.'),
  adminUiSessionHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(72)
    .default(8)
    .describe('The admin page: a session ends this many hours after sign-in, however active.'),
  setupLinkHours: z.coerce
    .number()
    .int()
    .min(1)
    .max(168)
    .default(24)
    .describe(
      'How long a setup link (operator → customer admin, single use) stays valid unless the operator picks less.',
    ),
  ...rateLimitSchema(),
});

export type ConfigInput = z.input<typeof ConfigSchema>;

const BYTE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1024, mb: 1024 * 1024 };

/** A validated size such as `bodyLimit` (`512kb`, `1mb`) in bytes, as body-parser reads it. */
export function byteCount(size: string): number {
  const match = SIZE.exec(size);
  if (!match?.[1] || !match[2]) throw new ConfigError(`not a size: ${size}`);
  return Number(match[1]) * (BYTE_UNITS[match[2].toLowerCase()] ?? 1);
}
export type Config = Readonly<z.output<typeof ConfigSchema>>;

/** Environment variable → config key. */
export const ENV_KEYS = {
  PORT: 'port',
  HOST: 'host',
  TRUSTGATE_PUBLIC_URL: 'publicUrl',
  TRUSTGATE_DATA_DIR: 'dataDir',
  MONGODB_URI: 'mongodbUri',
  TRUSTGATE_ADMIN_KEY: 'adminKey',
  TRUSTGATE_MASTER_KEY: 'masterKey',
  TRUSTGATE_PREVIOUS_MASTER_KEYS: 'previousMasterKeys',
  TRUSTGATE_BODY_LIMIT: 'bodyLimit',
  TRUSTGATE_LOG_LEVEL: 'logLevel',
  TRUSTGATE_TRUST_PROXY: 'trustProxy',
  TRUSTGATE_ALLOW_INSECURE_IDP: 'allowInsecureIdp',
  TRUSTGATE_ALLOW_PRIVATE_WEBHOOKS: 'allowPrivateWebhooks',
  TRUSTGATE_METADATA_REFRESH_SECONDS: 'metadataRefreshSeconds',
  TRUSTGATE_EVENT_RETENTION_DAYS: 'eventRetentionDays',
  TRUSTGATE_SCIM_LOG_RETENTION_DAYS: 'scimLogRetentionDays',
  TRUSTGATE_WEBHOOK_TIMEOUT_SECONDS: 'webhookTimeoutSeconds',
  TRUSTGATE_WEBHOOK_RETRY_BASE_SECONDS: 'webhookRetryBaseSeconds',
  TRUSTGATE_WEBHOOK_RETRY_FACTOR: 'webhookRetryFactor',
  TRUSTGATE_WEBHOOK_RETRY_MAX_SECONDS: 'webhookRetryMaxSeconds',
  TRUSTGATE_WEBHOOK_RETRY_FOR_HOURS: 'webhookRetryForHours',
  TRUSTGATE_WEBHOOK_POLL_SECONDS: 'webhookPollSeconds',
  TRUSTGATE_ADMIN_UI_IDLE_MINUTES: 'adminUiIdleMinutes',
  TRUSTGATE_ADMIN_UI_SESSION_HOURS: 'adminUiSessionHours',
  TRUSTGATE_SETUP_LINK_HOURS: 'setupLinkHours',
  TRUSTGATE_RATE_LIMIT_SCIM_PER_TOKEN: 'rateLimitScimPerToken',
  TRUSTGATE_RATE_LIMIT_SCIM_PER_ADDRESS: 'rateLimitScimPerAddress',
  TRUSTGATE_RATE_LIMIT_ADMIN_PER_TOKEN: 'rateLimitAdminPerToken',
  TRUSTGATE_RATE_LIMIT_ADMIN_PER_ADDRESS: 'rateLimitAdminPerAddress',
  TRUSTGATE_LOCKOUT_FAILURES: 'lockoutFailures',
  TRUSTGATE_LOCKOUT_SECONDS: 'lockoutSeconds',
  TRUSTGATE_LOCKOUT_MAX_SECONDS: 'lockoutMaxSeconds',
} as const satisfies Record<string, keyof ConfigInput>;

const BOOLEAN_KEYS = new Set<string>(['trustProxy', 'allowInsecureIdp', 'allowPrivateWebhooks']);
const LIST_KEYS = new Set<string>(['previousMasterKeys']);

/** Keys in `docs/configuration.md` order, with their descriptions (for the docs test). */
export function describeConfig(): { env: string; key: string; description: string }[] {
  return Object.entries(ENV_KEYS).map(([env, key]) => ({
    env,
    key,
    description: ConfigSchema.shape[key].description ?? '',
  }));
}

/** Configuration that does not validate: the process exits 2 naming the key (server.ts). */
export class ConfigError extends InternalError {
  constructor(message: string) {
    super('config_invalid', message);
  }
}

function envValue(key: string, raw: string): unknown {
  if (BOOLEAN_KEYS.has(key)) {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off|)$/i.test(raw)) return false;
    return raw; // let validation name it
  }
  if (LIST_KEYS.has(key))
    return raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return raw;
}

function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new ConfigError(`${file}: expected a JSON object`);
    return parsed as Record<string, unknown>;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Validates a config object (as files and tests give it) and freezes it. */
export function parseConfig(raw: unknown): Config {
  const result = ConfigSchema.safeParse(raw);
  if (!result.success) {
    const envOf = new Map(Object.entries(ENV_KEYS).map(([env, key]) => [key as string, env]));
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.');
      const env = envOf.get(String(issue.path[0]));
      return `  ${key}${env ? ` (${env})` : ''}: ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return deepFreeze(result.data);
}

/** Loads files under `configDir` and applies `env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configDir = 'config'): Config {
  const dir = resolve(configDir);
  const merged: Record<string, unknown> = {
    ...readJson(join(dir, 'default.json')),
    ...(env.NODE_ENV ? readJson(join(dir, `${env.NODE_ENV}.json`)) : {}),
  };
  for (const [name, key] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw !== undefined) merged[key] = envValue(key, raw);
  }
  // http and internal IdP addresses are for development and tests: in production only an explicit
  // TRUSTGATE_ALLOW_INSECURE_IDP in the environment turns them on, never a config file.
  if (
    env.NODE_ENV === 'production' &&
    merged.allowInsecureIdp === true &&
    env.TRUSTGATE_ALLOW_INSECURE_IDP === undefined
  )
    throw new ConfigError(
      'invalid configuration:\n  allowInsecureIdp (TRUSTGATE_ALLOW_INSECURE_IDP): refused from a config file when NODE_ENV=production; set the variable explicitly if you really mean it',
    );
  return parseConfig(merged);
}
