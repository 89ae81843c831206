/**
 * `spawnOtaServer(options)`: runs the reference server (main.ts) in a child process and waits for its
 * "listening" line. From source (this module's URL ends in `.ts`) it runs `node --import tsx main.ts`;
 * compiled, `node main.js`. Used by the simulator's embedded target and by the kill -9 test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OtaFleetError } from '../error-codes.ts';
import type { OtaServerOptions } from './config.ts';
import type { DemoInfo } from './demo.ts';

/** A reference server in a child process. */
export interface SpawnedOtaServer {
  url: string;
  /** The MQTT broker's URL when spawned with `mqttPort`. */
  mqttUrl?: string;
  adminToken: string;
  pid: number;
  demo: DemoInfo | undefined;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5000); resolves with the exit code (null if killed). */
  stop(graceMs?: number): Promise<number | null>;
  /** Sends a signal (e.g. `SIGKILL` to simulate a crash). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the child has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last 8 KiB of the child's stderr (its pino log). */
  stderrTail(): string;
}

/** How to spawn. */
export interface SpawnOtaServerOptions {
  /** Longest wait for the "listening" line, ms; default 30 000. */
  startTimeoutMs?: number;
  /** Copy the child's stderr to ours as well as keeping its tail; default false. */
  inheritStderr?: boolean;
}

function command(options: OtaServerOptions): string[] {
  const self = import.meta.url;
  const json = JSON.stringify(options);
  if (self.endsWith('.ts')) {
    const tsx = pathToFileURL(createRequire(self).resolve('tsx')).href;
    return ['--import', tsx, fileURLToPath(new URL('./main.ts', self)), json];
  }
  return [fileURLToPath(new URL('./main.js', self)), json];
}

function waitForLine(
  child: ChildProcess,
  timeoutMs: number,
  tail: () => string,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const fail = (why: string): void => {
      cleanup();
      reject(
        new OtaFleetError(
          'ERR_EMBEDDED_SERVER',
          `reference server child ${why}${tail() ? `:\n${tail()}` : ''}`,
        ),
      );
    };
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const nl = buffered.indexOf('\n');
      if (nl < 0) return;
      cleanup();
      try {
        resolve(JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>);
      } catch {
        reject(
          new OtaFleetError('ERR_EMBEDDED_SERVER', `reference server child printed ${buffered.slice(0, nl)}`),
        );
      }
    };
    const onExit = (code: number | null): void => fail(`exited (code ${code}) before listening`);
    const timer = setTimeout(() => fail(`did not start within ${timeoutMs} ms`), timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Spawns the server; rejects with OtaFleetError ERR_EMBEDDED_SERVER when it does not start. */
export async function spawnOtaServer(
  options: OtaServerOptions = {},
  spawnOptions: SpawnOtaServerOptions = {},
): Promise<SpawnedOtaServer> {
  // own process group: a terminal Ctrl-C goes to the parent only, which stops the server after writing
  // its report; the stdin pipe ends when the parent dies, and the server then closes itself
  const child = spawn(process.execPath, command(options), {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, OTA_SERVER_WATCH_STDIN: '1' },
  });
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8192);
    if (spawnOptions.inheritStderr) process.stderr.write(chunk);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let line: Record<string, unknown>;
  try {
    line = await waitForLine(child, spawnOptions.startTimeoutMs ?? 30_000, () => tail);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  if (line.event !== 'listening') {
    child.kill('SIGKILL');
    throw new OtaFleetError(
      'ERR_EMBEDDED_SERVER',
      `reference server failed to start: ${String(line.message ?? 'unknown error')}`,
    );
  }
  child.stdout?.resume();
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    url: String(line.url),
    adminToken: String(line.adminToken),
    pid: child.pid ?? 0,
    ...(typeof line.mqttUrl === 'string' ? { mqttUrl: line.mqttUrl } : {}),
    demo: line.demo as DemoInfo | undefined,
    exited,
    stderrTail: () => tail,
    kill: (signal) => {
      if (!done) child.kill(signal);
    },
    async stop(graceMs = 5000) {
      if (!done) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const { code } = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
