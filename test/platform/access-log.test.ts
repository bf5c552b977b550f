import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { beginRequest } from '../../src/platform/http/context.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createMetrics } from '../../src/platform/metrics.ts';

describe('access log', () => {
  it('writes one line per request: id, path without the query, route, status, tenant, actor', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const log = createLogger('info', sink);
    const metrics = createMetrics({ defaultMetrics: false });
    const server = createServer((req, res) => {
      const context = beginRequest(log, metrics, req, res, () => '/things/:id');
      context.tenant = 'acme';
      context.actor = { type: 'scim_token', id: 'token-1' };
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${port}/things/7?code=SECRET-CODE&state=s`, {
        headers: { 'x-request-id': 'req-42' },
      });
      assert.equal(res.headers.get('x-request-id'), 'req-42');
      await res.text();
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    assert.equal(lines.length, 1);
    const [line] = lines;
    assert.equal(line?.msg, 'request');
    assert.equal(line?.requestId, 'req-42');
    assert.equal(line?.path, '/things/7');
    assert.equal(line?.route, '/things/:id');
    assert.equal(line?.status, 200);
    assert.equal(line?.tenant, 'acme');
    assert.deepEqual(line?.actor, { type: 'scim_token', id: 'token-1' });
    assert.equal(JSON.stringify(lines).includes('SECRET-CODE'), false);
  });
});
