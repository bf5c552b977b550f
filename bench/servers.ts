import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ChildServer {
  readonly url: string;
  readonly pid: number;
  /** Resident set size of the server process, from /proc (MiB). */
  rssMiB(): number;
  /** The same, split into anonymous memory and file-backed pages (the node binary, libraries). */
  rssParts(): { anon: number; file: number };
  /** CPU seconds (user + system) the server process has used so far, from /proc. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS = 100;

const compileCacheDir = () => join(tmpdir(), 'node-compile-cache');

/** The V8 flags `npm start` runs the gateway with (package.json), so the bench runs it the same way. */
export function productionNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((word) => word.startsWith('--'));
}

/**
 * Starts `bench/child.ts` on the same Node as this process and waits for its URL. The gateway
 * gets the production V8 flags, or BENCH_NODE_FLAGS instead to try other settings; both servers
 * get Node's compile cache, as `npm start` and the image do.
 */
/** The gateway's V8 flags in this run: BENCH_NODE_FLAGS when set, else those of `npm start`. */
export function gatewayNodeFlags(): string[] {
  const tryFlags = process.env.BENCH_NODE_FLAGS;
  return tryFlags !== undefined ? tryFlags.split(' ').filter(Boolean) : productionNodeFlags();
}

export async function startServer(kind: 'bare' | 'gateway', dataDir = ''): Promise<ChildServer> {
  const flags = kind !== 'gateway' ? [] : gatewayNodeFlags();
  const env = { ...process.env, NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? compileCacheDir() };
  const child: ChildProcess = spawn(process.execPath, [...flags, 'bench/child.ts', kind, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} server exited ${code}`)));
    lines.once('line', (line) => resolve((JSON.parse(line) as { url: string }).url));
  });
  const pid = child.pid!;
  const status = (field: string) => {
    const kb = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb) / 1024;
  };
  return {
    url,
    pid,
    rssMiB() {
      return status('VmRSS');
    },
    rssParts() {
      return { anon: status('RssAnon'), file: status('RssFile') };
    },
    cpuSeconds() {
      // Fields 14 and 15 of /proc/PID/stat (after the parenthesised command name), in clock ticks.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
