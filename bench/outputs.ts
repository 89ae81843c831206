/**
 * `npx tsx bench/outputs.ts [--rounds N] [--seconds S]`: the cost of the live outputs. 100 devices poll
 * the reference server (a child process) every 100 ms; each round runs once without outputs and once
 * with `--metrics-listen` (scraped every second, as Prometheus would) and `--out ndjson=FILE`,
 * interleaved A/B/A/B in one invocation. Prints CPU time per request of each and their ratio
 * (target: at most 3% more). Everything targets 127.0.0.1; every run is bounded in time.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createAdminClient } from '../src/server/api/admin-client.ts';
import { spawnOtaServer } from '../src/server/child.ts';

const flag = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const ROUNDS = flag('--rounds', 4);
const SECONDS = flag('--seconds', 8);
const DEVICES = 100;

interface Measured {
  requests: number;
  rps: number;
  cpuMicros: number;
  /** Time spent inside the outputs (observer calls, rendering scrapes), µs. */
  insideMicros: number;
  /** Wall time of rendering the scrapes (async, an upper bound of their CPU), µs. */
  renderMicros: number;
  scrapes: number;
}

function measure(scenario: string, outputs: boolean): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        new URL('./outputs-child.ts', import.meta.url).pathname,
        JSON.stringify({ scenario, outputs }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    let scrapes = 0;
    let timer: NodeJS.Timeout | undefined;
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const url = /Metrics: (\S+)/.exec(err)?.[1];
      if (url !== undefined && timer === undefined)
        // a Prometheus scraping once a second
        timer = setInterval(() => {
          fetch(url)
            .then((r) => r.text())
            .then(
              () => scrapes++,
              () => undefined,
            );
        }, 1000);
    });
    const kill = setTimeout(() => p.kill('SIGKILL'), (SECONDS + 60) * 1000);
    p.on('close', (code) => {
      clearTimeout(kill);
      if (timer) clearInterval(timer);
      try {
        resolve({ ...(JSON.parse(out.trim().split('\n').at(-1) ?? '') as Measured), scrapes });
      } catch {
        reject(new Error(`outputs-child exited ${code}: ${err}`));
      }
    });
  });
}

const server = await spawnOtaServer({});
const dir = mkdtempSync(join(tmpdir(), 'ota-fleet-bench-'));
try {
  const admin = createAdminClient(server.url, server.adminToken);
  const product = await admin.createProduct({ id: 'bench' });
  await admin.createDevices('bench', { namePattern: 'dev-{index:06}', count: DEVICES, returnDevices: false });
  await admin.close();
  const scenario = join(dir, 'bench.yaml');
  writeFileSync(
    scenario,
    stringify({
      name: 'bench-outputs',
      seed: 1,
      target: { url: server.url },
      product: { id: product.id, accessKey: product.accessKey },
      fleet: { count: DEVICES },
      profiles: [{ name: 'poll', pollInterval: '100ms', pollJitter: 0.1 }],
      stop: { duration: `${SECONDS}s`, whenSettled: false },
    }),
  );
  const rows: { mode: string; m: Measured }[] = [];
  for (let r = 0; r < ROUNDS; r++)
    for (const outputs of r % 2 === 0 ? [false, true] : [true, false]) {
      const m = await measure(scenario, outputs);
      rows.push({ mode: outputs ? 'outputs' : 'none', m });
      console.log(
        `round ${r + 1} ${outputs ? 'with outputs   ' : 'without outputs'}: ${m.requests} requests, ${Math.round(m.rps)} req/s, ${(m.cpuMicros / m.requests).toFixed(1)} µs CPU/request${outputs ? `, ${m.scrapes} scrapes, ${(m.insideMicros / m.requests).toFixed(2)} µs/request in their observers, ${(m.renderMicros / m.requests).toFixed(2)} µs/request rendering scrapes (wall)` : ''}`,
      );
    }
  const per = (mode: string) => {
    const sel = rows.filter((x) => x.mode === mode);
    return sel.reduce((a, x) => a + x.m.cpuMicros, 0) / sel.reduce((a, x) => a + x.m.requests, 0);
  };
  const withRows = rows.filter((x) => x.mode === 'outputs');
  const inside =
    withRows.reduce((s, x) => s + x.m.insideMicros, 0) / withRows.reduce((s, x) => s + x.m.requests, 0);
  const a = per('none');
  const b = per('outputs');
  console.log(
    `CPU per request: without ${a.toFixed(2)} µs, with --metrics-listen + --out ndjson ${b.toFixed(2)} µs: ${((b / a - 1) * 100).toFixed(1)}% (target ≤ 3%)`,
  );
  console.log(
    `measured inside the outputs: ${inside.toFixed(2)} µs per request = ${((inside / a) * 100).toFixed(2)}% of the CPU per request without them`,
  );
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
