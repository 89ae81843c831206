/** With --log-level debug each failed request is one log line from the worker; at info, none. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeEnvelope } from '../../../src/ota/envelope.ts';
import { startFakeTarget } from './helpers.ts';

const script = fileURLToPath(new URL('./fixtures/run-with-level.ts', import.meta.url));

function runAt(url: string, level: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, url, level], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', () => resolve({ stdout, stderr }));
  });
}

describe('debug log of failed requests', () => {
  it('logs one line per failed request at debug, with its code and path, never the token; nothing at info', async () => {
    const denied = encodeEnvelope('studio', 1);
    const target = await startFakeTarget((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(denied) });
      res.end(denied);
    });
    try {
      const debug = await runAt(target.url, 'debug');
      const failed = (JSON.parse(debug.stdout.trim().split('\n').at(-1)!) as { failed: number }).failed;
      expect(failed).toBeGreaterThan(0);
      const lines = debug.stderr
        .split('\n')
        .filter((l) => l.includes('request failed'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toHaveLength(failed);
      expect(lines[0]).toMatchObject({
        code: 'ERR_OTA_ERRNO',
        errno: 1,
        method: 'POST',
        path: '/ota/p1/dev-000001/version',
      });
      expect(debug.stderr).not.toContain('sign=');
      const info = await runAt(target.url, 'info');
      expect(info.stderr).not.toContain('request failed');
    } finally {
      await target.close();
    }
  }, 60_000);
});
