import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHttpServer, SERVER_TIMEOUTS } from '../../src/platform/http/server.ts';

describe('HTTP server timeouts', () => {
  it('sets the documented header, request and keep-alive timeouts', () => {
    const server = createHttpServer((_req, res) => res.end());
    assert.equal(server.headersTimeout, SERVER_TIMEOUTS.headersTimeout);
    assert.equal(server.requestTimeout, SERVER_TIMEOUTS.requestTimeout);
    assert.equal(server.keepAliveTimeout, SERVER_TIMEOUTS.keepAliveTimeout);
    // A load balancer's 60 s idle timeout must expire first (docs/operations.md).
    assert.ok(SERVER_TIMEOUTS.keepAliveTimeout > 60_000);
    server.close();
  });

  it('keeps an idle keep-alive connection open between requests', async () => {
    const server = createHttpServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    const answers: string[] = [];
    socket.on('data', (chunk: Buffer) => answers.push(chunk.toString('latin1')));
    const request = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    socket.write(request);
    await new Promise((r) => setTimeout(r, 300));
    socket.write(request);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(answers.join('').match(/HTTP\/1\.1 200/g)?.length, 2);
    assert.ok(answers.join('').includes('Keep-Alive: timeout=65'));
    socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
});
