import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { run } from '../../src/cli/run.ts';

/** The real `trustgate` command as a child process (`node src/cli/main.ts …`), as an operator runs it. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Only what the command needs: no inherited TRUSTGATE_* from the developer's shell. */
export function cleanEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', TRUSTGATE_LOG_LEVEL: 'warn', ...env };
}

export function cli(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['src/cli/main.ts', ...args],
      { env: cleanEnv(env), timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** `run()` in this process, for the many help screens (the same code the child runs). */
export async function cliInProcess(...args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await run(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    env: {},
  });
  return { code, stdout, stderr };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface Server {
  readonly base: string;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** The gateway process (`src/main.ts`, as `npm start` runs it) on 127.0.0.1, healthy. */
export async function startServer(env: Record<string, string>): Promise<Server> {
  const port = String(await freePort());
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['src/main.ts'], {
    env: cleanEnv({ ...env, PORT: port }),
    stdio: 'pipe',
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.resume();
  const base = `http://127.0.0.1:${port}`;
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}: ${err}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return { base, stderr: () => err, stop };
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  await stop();
  throw new Error(`server not ready: ${err}`);
}

/** The command's stdout as the JSON document it is (the caller names its shape). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the shape it reads
export function json<T>(result: CliResult): T {
  return JSON.parse(result.stdout) as T;
}
