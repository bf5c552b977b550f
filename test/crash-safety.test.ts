import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The real process (as `npm start` runs it) killed with SIGKILL in the middle of a provisioning
// burst, then started again on the same data dir: every write it acknowledged is there, whole,
// with its audit event, and nothing it did not finish is there in part.

const ADMIN_KEY = 'crash-test-operator-key-0123456789abcdef0123';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function start(port: number, dataDir: string): ChildProcess {
  return spawn(process.execPath, ['src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      TRUSTGATE_DATA_DIR: dataDir,
      TRUSTGATE_ADMIN_KEY: ADMIN_KEY,
      TRUSTGATE_LOG_LEVEL: 'silent',
    },
    stdio: 'ignore',
  });
}

async function waitHealthy(child: ChildProcess, base: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`not healthy within ${ms} ms`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read by the assertions
type Json = Record<string, any>;
interface Answer {
  readonly status: number;
  readonly body: Json;
}

describe('crash safety: SIGKILL in the middle of a provisioning burst', function () {
  this.timeout(60_000);
  let dataDir = '';
  let child: ChildProcess | undefined;
  let base = '';
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'trustgate-crash-'));
  });
  after(() => {
    agent.destroy();
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  function call(method: string, path: string, auth: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${base}${path}`,
        {
          method,
          agent,
          headers: {
            authorization: auth,
            ...(payload === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('error', reject);
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Json) : {} }),
          );
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  it('keeps every acknowledged write whole, with its audit event, and no half-written team', async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = start(port, dataDir);
    await waitHealthy(child, base);
    const operator = `Bearer ${ADMIN_KEY}`;
    assert.equal(
      (await call('POST', '/admin/tenants', operator, { slug: 'crash', name: 'Crash' })).status,
      201,
    );
    const token = (await call('POST', '/admin/tenants/crash/scim-tokens', operator, {})).body.token as string;
    const scim = (method: string, path: string, body?: unknown) =>
      call(method, `/scim/v2/crash${path}`, `Bearer ${token}`, body);

    // A few users first, so that teams created in the burst have members.
    const seeded: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await scim('POST', '/Users', { schemas: [USER], userName: `seed${i}@crash.example` });
      assert.equal(res.status, 201);
      seeded.push(res.body.id as string);
    }

    // The burst: users, teams with members, member adds; the process dies while it runs.
    const ackedUsers = new Map<string, string>(); // id → userName
    const ackedTeams = new Map<string, string[]>(); // id → members it was created with
    const ackedAdds: { team: string; member: string }[] = [];
    const inFlight: Promise<void>[] = [];
    const sentTeams = new Map<string, string[]>(); // displayName → members, answered or not
    let lost = 0;
    let pending = 0;
    const record = (p: Promise<void>) => {
      pending += 1;
      inFlight.push(
        p
          .catch(() => {
            lost += 1; // no answer: the outcome is unknown, only wholeness can be checked
          })
          .finally(() => (pending -= 1)),
      );
    };
    let sent = 0;
    // Killed once enough was acknowledged (however loaded the machine), with 32 requests in flight.
    const giveUp = Date.now() + 30_000;
    while ((ackedUsers.size < 40 || ackedTeams.size < 10) && Date.now() < giveUp) {
      const n = sent++;
      if (n % 3 === 2) {
        const members = [seeded[n % 10], seeded[(n + 3) % 10], ...[...ackedUsers.keys()].slice(-2)].filter(
          (m): m is string => m !== undefined,
        );
        sentTeams.set(`team ${n}`, members);
        record(
          scim('POST', '/Groups', {
            schemas: [GROUP],
            displayName: `team ${n}`,
            members: members.map((value) => ({ value })),
          }).then((res) => {
            if (res.status === 201) ackedTeams.set(res.body.id as string, members);
          }),
        );
      } else if (n % 7 === 6 && ackedTeams.size > 0 && ackedUsers.size > 0) {
        const team = [...ackedTeams.keys()].at(-1) ?? '';
        const member = [...ackedUsers.keys()].at(-1) ?? '';
        record(
          scim('PATCH', `/Groups/${team}`, {
            schemas: [PATCH_OP],
            Operations: [{ op: 'add', path: 'members', value: [{ value: member }] }],
          }).then((res) => {
            if (res.status === 204) ackedAdds.push({ team, member });
          }),
        );
      } else {
        const userName = `burst${n}@crash.example`;
        record(
          scim('POST', '/Users', { schemas: [USER], userName }).then((res) => {
            if (res.status === 201) ackedUsers.set(res.body.id as string, userName);
          }),
        );
      }
      while (pending >= 32) await new Promise((done) => setTimeout(done, 1));
    }
    // Top up to 32 outstanding creates and kill in the same tick: the kill lands mid-burst.
    while (pending < 32) {
      const userName = `last${sent++}@crash.example`;
      record(
        scim('POST', '/Users', { schemas: [USER], userName }).then((res) => {
          if (res.status === 201) ackedUsers.set(res.body.id as string, userName);
        }),
      );
    }
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await Promise.all(inFlight);
    agent.destroy();
    assert.ok(lost > 0, 'the process died with requests in flight');
    assert.ok(
      ackedUsers.size > 10 && ackedTeams.size > 3,
      `a real burst: ${ackedUsers.size} users, ${ackedTeams.size} teams`,
    );

    // Again, on the same data dir.
    child = start(port, dataDir);
    await waitHealthy(child, base);
    const users = new Map<string, string>();
    for (let startIndex = 1; ; startIndex += 200) {
      const page = await scim('GET', `/Users?startIndex=${startIndex}&count=200`);
      assert.equal(page.status, 200);
      for (const u of page.body.Resources as Json[]) users.set(u.id as string, u.userName as string);
      if ((page.body.Resources as unknown[]).length < 200) break;
    }
    for (const [id, userName] of ackedUsers)
      assert.equal(users.get(id), userName, `acknowledged user ${userName}`);

    const teams = new Map<string, string[]>();
    const names = new Map<string, string>();
    for (let startIndex = 1; ; startIndex += 200) {
      const page = await scim('GET', `/Groups?startIndex=${startIndex}&count=200`);
      assert.equal(page.status, 200);
      for (const g of page.body.Resources as Json[]) {
        names.set(g.id as string, g.displayName as string);
        teams.set(
          g.id as string,
          ((g.members ?? []) as Json[]).map((m) => m.value as string),
        );
      }
      if ((page.body.Resources as unknown[]).length < 200) break;
    }
    // A team from the burst, answered or not, is whole: every member its request carried, or absent.
    for (const [id, name] of names) {
      const carried = sentTeams.get(name) ?? [];
      for (const m of carried) assert.ok(teams.get(id)?.includes(m), `${name} is whole (member ${m})`);
    }
    for (const [id, members] of ackedTeams) {
      const stored = teams.get(id);
      assert.ok(stored, `acknowledged team ${id}`);
      for (const m of members) assert.ok(stored.includes(m), `team ${id} keeps member ${m}`);
    }
    for (const { team, member } of ackedAdds)
      assert.ok(teams.get(team)?.includes(member), 'acknowledged add');
    // No dangling membership: every member of every team is a stored account.
    for (const [id, members] of teams)
      for (const m of members) assert.ok(users.has(m), `team ${id}: member ${m} exists`);

    // Every stored account and team has its audit event (written in the same transaction).
    const events: Json[] = [];
    for (let after = ''; ;) {
      const page = await call(
        'GET',
        `/admin/tenants/crash/audit?limit=500${after ? `&after=${after}` : ''}`,
        operator,
      );
      assert.equal(page.status, 200);
      events.push(...(page.body.data as Json[]));
      if (!page.body.nextCursor) break;
      after = page.body.nextCursor as string;
    }
    const targets = (type: string) =>
      new Set(events.filter((e) => e.type === type).map((e) => (e.target as Json | null)?.id as string));
    const provisioned = targets('account.created');
    const created = targets('team.created');
    for (const id of users.keys()) assert.ok(provisioned.has(id), `account ${id} has its account.created`);
    for (const id of teams.keys()) assert.ok(created.has(id), `team ${id} has its team.created`);
    for (const id of provisioned) assert.ok(users.has(id), `an account.created without its account ${id}`);
    for (const id of created) assert.ok(teams.has(id), `a team.created without its team ${id}`);

    const exitedAgain = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exitedAgain;
  });
});
