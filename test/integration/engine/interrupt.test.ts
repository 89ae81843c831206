/**
 * A Ctrl-C after the run has ended by itself (here: right when it stops at its duration) does not
 * claim a partial report: it says the run ended and a complete report is written, and the run exits 0.
 * In a file of its own: the interrupt state of src/cli/interrupt.ts is per process.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { ExitCode } from '../../../src/cli/exit-codes.ts';
import { interruptSignal, noteInterrupt } from '../../../src/cli/interrupt.ts';
import { runCommandHandler } from '../../../src/cli/run.ts';

let dir: string;
afterAll(async () => {
  vi.restoreAllMocks();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Ctrl-C after the run ended', () => {
  it('says the run ended and writes its complete report (exit 0), not "writing a partial report"', {
    timeout: 60_000,
  }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'ota-fleet-interrupt-'));
    const file = join(dir, 'tiny.yaml');
    await writeFile(
      file,
      stringify({
        name: 'tiny',
        seed: 1,
        target: { url: 'embedded' },
        fleet: { count: 3, versions: { f_version: { V1: 1 } } },
        profiles: [{ name: 'p', pollInterval: '200ms' }],
        stop: { duration: '1s' },
      }),
      'utf8',
    );
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const result = await runCommandHandler(
      {
        scenario: file,
        out: join(dir, 'reports'),
        quiet: true,
        logLevel: 'info',
        wasm: false,
        force: false,
      },
      // the user presses Ctrl-C the moment the run stops at its duration
      { observers: [{ onStopping: () => noteInterrupt('SIGINT') }] },
    );
    vi.restoreAllMocks();
    expect(interruptSignal.aborted).toBe(true);
    const said = stderr.join('');
    expect(said).toMatch(
      /SIGINT: the run has already ended \(duration\); finishing and writing its complete report/,
    );
    expect(said).not.toMatch(/partial/);
    expect(result.summary.run.partial).toBe(false);
    expect(result.exitCode).toBe(ExitCode.OK);
  });
});
