/**
 * A server for the bench, in its own process so that autocannon (in the parent) never shares an
 * event loop with what it measures: `node bench/child.ts bare` or `node bench/child.ts gateway <dataDir>`.
 * Prints one JSON line `{"url": …}` once listening. Started like the gateway itself (src/main.ts):
 * the compile cache on before the server's modules load.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./child-app.ts');
