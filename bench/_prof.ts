import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { openStorage } from '../src/storage/index.ts';
import { seedTenant } from './seed.ts';
const dataDir = mkdtempSync(join(tmpdir(), 'prof-'));
const storage = await openStorage({ driver: 'sqlite', file: join(dataDir, 'trustgate.db') });
const t = await seedTenant(storage, 'big', 10_000);
await storage.close();
const child = spawn(
  process.execPath,
  [
    ...(process.env.NOPROF ? [] : ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']),
    'bench/child.ts',
    'gateway',
    dataDir,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const url = await new Promise<string>((res) =>
  createInterface({ input: child.stdout! }).once('line', (l) => res(JSON.parse(l).url)),
);
const path =
  process.env.P === 'list'
    ? '/scim/v2/big/Users?startIndex=1&count=100'
    : process.env.P === 'health'
      ? '/healthz'
      : `/scim/v2/big/Users?filter=${encodeURIComponent('userName eq "user5000@big.example"')}`;
const r = await autocannon({
  url,
  connections: 32,
  duration: Number(process.env.D ?? 6),
  headers: { authorization: `Bearer ${t.token}` },
  requests: [{ method: 'GET', path }],
});
console.log(path, r.requests.average, r.non2xx);
child.kill('SIGTERM');
