import { createServer } from 'node:http';
import type { RequestListener, Server } from 'node:http';

/**
 * HTTP server timeouts (docs/operations.md, HTTP timeouts). A client gets `headersTimeout` to
 * send its request headers and `requestTimeout` for the whole request (a slow-loris connection
 * is closed with 408); an idle keep-alive connection stays open a little longer than the 60 s
 * idle timeout of common load balancers, so the balancer closes it first and never sends a
 * request on a connection we are closing.
 */
export const SERVER_TIMEOUTS = {
  headersTimeout: 20_000,
  requestTimeout: 60_000,
  keepAliveTimeout: 65_000,
} as const;

/** The gateway's HTTP server, with explicit timeouts instead of Node's defaults. */
export function createHttpServer(listener: RequestListener): Server {
  return createServer({ ...SERVER_TIMEOUTS }, listener);
}
