/**
 * Child-process entry of the reference server. Options come as JSON in argv[2] or in the
 * OTA_SERVER_OPTIONS environment variable. Prints ONE JSON line on stdout —
 * `{"event":"listening","url":...,"adminToken":...,"pid":...}` or `{"event":"error","code":...,"message":...}` —
 * logs to stderr, and closes cleanly on SIGTERM/SIGINT (exit code 0). Spawned by `spawnOtaServer`, it
 * runs in its own process group (a terminal's Ctrl-C reaches only the parent, which then stops it) and
 * with OTA_SERVER_WATCH_STDIN=1 it also closes when its stdin ends, i.e. when the parent is gone.
 */
import { errorCodeOf } from '../error-codes.ts';
import type { OtaServerOptions } from './config.ts';
import { startOtaServer } from './server.ts';

function readOptions(): OtaServerOptions {
  const text = process.argv[2] ?? process.env.OTA_SERVER_OPTIONS ?? '{}';
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('options must be a JSON object');
  }
  return value as OtaServerOptions;
}

async function main(): Promise<void> {
  const server = await startOtaServer(readOptions());
  const line = {
    event: 'listening',
    url: server.url,
    adminToken: server.adminToken,
    pid: process.pid,
    mqttUrl: server.mqttUrl,
    demo: server.demo,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    if (process.env.OTA_SERVER_WATCH_STDIN === '1') process.stdin.destroy();
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    server.close().then(
      () => {
        process.exitCode = 0;
      },
      (err: unknown) => {
        process.stderr.write(`reference server: close failed: ${String(err)}\n`);
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (process.env.OTA_SERVER_WATCH_STDIN === '1') {
    process.stdin.on('end', stop);
    process.stdin.on('close', stop);
    process.stdin.resume();
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stdout.write(`${JSON.stringify({ event: 'error', code: errorCodeOf(err), message })}\n`);
  process.exitCode = 1;
});
