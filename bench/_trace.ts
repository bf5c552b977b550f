import request from 'supertest';
import { openDatabase } from '../src/storage/sqlite/connection.ts';
import { migrate } from '../src/storage/sqlite/migrations.ts';
import { storageOver } from '../src/storage/sqlite/storage.ts';
import { buildContainer } from '../src/container.ts';
import { parseConfig } from '../src/platform/config.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createApp } from '../src/app.ts';
import { benchConfig } from './config.ts';
import { seedTenant } from './seed.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const sql = openDatabase(':memory:');
migrate(sql.db);
const storage = storageOver(sql);
const t = await seedTenant(storage, 'big', 1000);
const container = await buildContainer(
  parseConfig(benchConfig(mkdtempSync(join(tmpdir(), 'tr-')))),
  createLogger('warn'),
  { storage, defaultMetrics: false },
);
const app = createApp(container);
const path =
  process.env.P ?? `/scim/v2/big/Users?filter=${encodeURIComponent('userName eq "user500@big.example"')}`;
await request(app).get(path).set('authorization', `Bearer ${t.token}`);
sql.trace = [];
const r = await request(app).get(path).set('authorization', `Bearer ${t.token}`);
console.log(r.status, JSON.stringify(r.body).slice(0, 200));
for (const q of sql.trace) console.log('---', q.replace(/\s+/g, ' '));
