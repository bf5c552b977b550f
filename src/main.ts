/**
 * The process entry (`npm start`). Node's compile cache keeps each module's stripped TypeScript
 * and V8 code on disk (in `NODE_COMPILE_CACHE`, else the OS temp directory): a restart skips
 * the TypeScript stripper, starts faster and stays about 25 MiB smaller. It must be on before
 * the first module of ours loads, so the gateway itself is imported after it.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
await import('./server.ts');
