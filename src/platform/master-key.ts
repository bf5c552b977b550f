import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from './logger.ts';

const DEV_KEY_FILE = 'master.key';

/**
 * The master key: `TRUSTGATE_MASTER_KEY` when set. Otherwise a development key is generated into
 * `<dataDir>/master.key` (mode 0600) with a loud warning: losing that file loses every secret
 * encrypted with it, and anyone who can read it can decrypt them.
 */
export function resolveMasterKey(configured: string | undefined, dataDir: string, log: Logger): Buffer {
  if (configured) return Buffer.from(configured, 'base64');
  const file = join(dataDir, DEV_KEY_FILE);
  if (existsSync(file)) {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) chmodSync(file, 0o600);
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${file} does not hold 32 bytes in base64`);
    log.warn(
      { file },
      'TRUSTGATE_MASTER_KEY is not set: using the development master key file; set the variable in production',
    );
    return key;
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  log.warn(
    { file },
    'TRUSTGATE_MASTER_KEY is not set: generated a DEVELOPMENT master key file. Secrets at rest are only as safe as this file; set TRUSTGATE_MASTER_KEY in production',
  );
  return key;
}
