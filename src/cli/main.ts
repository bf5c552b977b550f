#!/usr/bin/env node
/**
 * `trustgate`, the operator's command line (docs/operations.md#the-trustgate-command): the same
 * configuration, composition root and services as the server, against the configured store.
 * Node's compile cache is turned on before the first module of ours loads, as for the server.
 */
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { run } = await import('./run.ts');
process.exitCode = await run(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
