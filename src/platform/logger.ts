import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

/**
 * Paths pino blanks out wherever they appear in a log line: credentials, tokens, secrets and
 * protocol payloads (a SAMLResponse or an ID token is a credential while it is valid).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.authorization',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.idToken',
  '*.id_token',
  '*.access_token',
  '*.refresh_token',
  '*.code',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.password',
  '*.privateKey',
  '*.SAMLResponse',
  '*.SAMLRequest',
  '*.masterKey',
  '*.adminKey',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { service: 'trustgate' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? process.stdout,
  );
}
