import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import request from 'supertest';
import type { AddressInfo, Socket } from 'node:net';
import { startTestApp } from '../support/app.ts';
import type { TestApp } from '../support/app.ts';

const MiB = 1024 * 1024;

/** Writes `head` then `size` bytes of body as fast as the socket takes them; resolves when all are written. */
function writeBody(socket: Socket, size: number, chunked: boolean): Promise<'written' | 'closed'> {
  const chunk = Buffer.alloc(64 * 1024, 0x78);
  return new Promise((resolve) => {
    let sent = 0;
    socket.once('close', () => resolve('closed'));
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        const data = chunked
          ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')])
          : chunk;
        if (!socket.write(data)) return void socket.once('drain', pump);
      }
      socket.write(chunked ? '0\r\n\r\n' : '', () => resolve('written'));
    };
    pump();
  });
}

/** Reads until `until` matches what arrived, or the connection ends. */
function readUntil(socket: Socket, until: RegExp, ms: number): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(text);
    };
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      if (until.test(text)) done();
    };
    const timer = setTimeout(done, ms);
    socket.on('data', onData);
    socket.once('close', done);
    socket.resume();
  });
}

/**
 * A 10 MB SCIM POST, sent the way a simple client sends it (every byte written before it reads
 * anything): it reads a SCIM 413, not a reset connection (RFC 9112 §9.6).
 */
describe('SCIM: an oversized body gets its 413 before the connection closes', function () {
  this.timeout(30_000);
  let t: TestApp;
  let server: Server;
  let port = 0;
  let token = '';

  before(async () => {
    t = await startTestApp();
    token = (await t.tenant('acme')).scimToken;
    server = createServer(t.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  const head = (framing: string) =>
    `POST /scim/v2/acme/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
    `Content-Type: application/scim+json\r\n${framing}\r\n\r\n`;

  for (const chunked of [false, true])
    it(`10 MB with ${chunked ? 'chunked encoding' : 'Content-Length'}: the client reads the 413, then uses the connection again`, async () => {
      const socket = connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.pause(); // read nothing until everything is written
      socket.write(head(chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${10 * MiB}`));
      assert.equal(await writeBody(socket, 10 * MiB, chunked), 'written', 'the server took the whole body');
      const answer = await readUntil(socket, /\r\n\r\n[\s\S]*"status":"413"[\s\S]*\}/, 5000);
      assert.match(answer, /^HTTP\/1\.1 413 /);
      assert.match(answer, /content-type: application\/scim\+json/i);
      assert.match(answer, /"schemas":\["urn:ietf:params:scim:api:messages:2\.0:Error"\]/);

      // The rest of the body was read and dropped; the next request on the connection is served.
      socket.write(
        `GET /scim/v2/acme/Users?count=0 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`,
      );
      const next = await readUntil(socket, /"totalResults":0/, 5000);
      assert.match(next, /^HTTP\/1\.1 200 /);
      socket.destroy();
    });

  it('a client that never stops sending is cut off once it had its answer', async () => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => {}); // the cut-off is a reset while we write: expected here
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(head(`Content-Length: ${1024 * MiB}`));
    const answer = readUntil(socket, /"status":"413"/, 10_000);
    const started = Date.now();
    assert.equal(await writeBody(socket, 1024 * MiB, false), 'closed', 'the server closed the connection');
    assert.ok(Date.now() - started < 25_000, 'cut off within the linger bound');
    assert.match(await answer, /^HTTP\/1\.1 413 /);
  });

  it('nothing of the refused bodies was stored', async () => {
    const list = await request(t.app).get('/scim/v2/acme/Users').set('Authorization', `Bearer ${token}`);
    assert.equal(list.body.totalResults, 0);
  });
});
