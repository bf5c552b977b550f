import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * The headers `helmet()` sets, read once by running it against a recorder, for a surface that
 * answers on Node's own response (SCIM): its responses carry exactly what the Express routes' do.
 * A flat `[name, value, …]` list, the form `writeHead` takes.
 */
export function securityHeaders(): readonly string[] {
  const headers: string[] = [];
  const recorder = {
    setHeader(name: string, value: unknown) {
      headers.push(name, String(value));
      return recorder;
    },
    removeHeader() {
      // helmet removes X-Powered-By, which a bare Node response never sets.
    },
  };
  let done = false;
  helmet()(Object.create(null) as IncomingMessage, recorder as unknown as ServerResponse, () => {
    done = true;
  });
  if (!done) throw new Error('helmet did not complete synchronously');
  return headers;
}
