import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface ChildServer {
  readonly url: string;
  readonly pid: number;
  /** Resident set size of the server process, from /proc (MiB). */
  rssMiB(): number;
  stop(): Promise<void>;
}

/** Starts `bench/child.ts` on the same Node as this process and waits for its URL. */
export async function startServer(kind: 'bare' | 'gateway', dataDir = ''): Promise<ChildServer> {
  // BENCH_NODE_FLAGS (e.g. heap sizing) apply to the gateway only, to try settings out.
  const flags = kind === 'gateway' ? (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean) : [];
  const child: ChildProcess = spawn(process.execPath, [...flags, 'bench/child.ts', kind, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} server exited ${code}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    rssMiB() {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return Number(kb) / 1024;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
