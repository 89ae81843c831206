/**
 * The device state machine, path by path, against a scripted dispatcher and a manual clock: every
 * test runs in virtual time (milliseconds of real time) and does not depend on the machine's load.
 */
import { describe, expect, it } from 'vitest';
import { createTokenSource } from '../../../src/engine/tokens.ts';
import { Errno, TaskStatus } from '../../../src/ota/codes.ts';
import { encodeEnvelope } from '../../../src/ota/envelope.ts';
import { parseAuthorization } from '../../../src/ota/token.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';
import { createRig, type SeenRequest } from '../../helpers/device-harness.ts';

const env = (errno: number, data?: unknown) => ({ body: encodeEnvelope('studio', errno, data) });
const isCall = (req: SeenRequest, call: string) => req.call === call;

describe('device: polling without a task', () => {
  it('reports its versions, checks, and downloads nothing when there is no task', async () => {
    const rig = createRig({ noTask: true });
    await rig.run();
    expect(rig.dispatcher.seen.map((r) => r.call)).toEqual(['report-version', 'check']);
    expect(JSON.parse(rig.ota.versionsReported[0]!)).toEqual({ f_version: 'V1' });
    expect(rig.requests('check')[0]!.path).toBe('/ota/p1/dev-1/check?type=1&version=V1');
    expect(rig.recorder.errors()).toBe(0);
    expect(rig.recorder.total('devices_with_task')).toBe(0);
  });

  it('polls again after pollInterval ± jitter in loop mode, until the clock stops', async () => {
    const rig = createRig({ noTask: true, mode: 'loop', limitMs: 95_000, profile: { pollInterval: '30s' } });
    await rig.run();
    const checks = rig.requests('check').length;
    expect(checks).toBeGreaterThanOrEqual(3);
    expect(checks).toBeLessThanOrEqual(4);
    // no-task is an expected answer, not an error
    expect(rig.recorder.errors()).toBe(0);
  });

  it('checks each of its modules with that module version', async () => {
    const rig = createRig({ noTask: true, modules: [1, 2] });
    rig.opts.versions.s_version = 'S7';
    await rig.run();
    expect(rig.requests('check').map((r) => r.path)).toEqual([
      '/ota/p1/dev-1/check?type=1&version=V1',
      '/ota/p1/dev-1/check?type=2&version=S7',
    ]);
  });
});

describe('device: download and install', () => {
  it('downloads a package whole, reports 101 and 201, then its new version', async () => {
    const rig = createRig({ size: 5000, profile: { installTime: '1s' } });
    await rig.run();
    expect(rig.requests('download')).toHaveLength(1);
    expect(rig.requests('download')[0]!.headers.Range).toBeUndefined();
    expect(rig.ota.steps.filter((s) => s >= 100)).toEqual([101, 201]);
    expect(JSON.parse(rig.ota.versionsReported.at(-1)!)).toEqual({ f_version: 'V2' });
    expect(rig.ota.task!.status).toBe(TaskStatus.SUCCEEDED);
    expect(rig.recorder.total('devices_upgraded')).toBe(1);
    expect(rig.recorder.total('ota_download_bytes')).toBe(5000);
    expect(rig.clock.sleeps).toContain(1000);
  });

  it('downloads in Range chunks with progress steps every progressEvery percent', async () => {
    const rig = createRig({ size: 1000, profile: { download: { chunkSize: 250, progressEvery: 25 } } });
    await rig.run();
    expect(rig.requests('download').map((r) => r.headers.Range)).toEqual([
      'bytes=0-249',
      'bytes=250-499',
      'bytes=500-749',
      'bytes=750-999',
    ]);
    expect(rig.ota.steps).toEqual([25, 50, 75, 101, 201]);
    expect(rig.recorder.total('devices_upgraded')).toBe(1);
  });

  it('asks the task state before every chunk when checkTaskBeforeChunk is on', async () => {
    const rig = createRig({
      size: 1000,
      profile: { download: { chunkSize: 500, progressEvery: 0, checkTaskBeforeChunk: true } },
    });
    await rig.run();
    expect(rig.requests('task-state')).toHaveLength(2);
    expect(rig.recorder.total('devices_upgraded')).toBe(1);
  });

  it('resumes an aborted download from the saved offset', async () => {
    const rig = createRig({
      size: 1000,
      profile: { download: { chunkSize: 100, progressEvery: 0 }, faults: { abortDownload: 1 } },
    });
    await rig.run();
    const ranges = rig.requests('download').map((r) => r.headers.Range!);
    // one chunk was asked twice: the abort, then the resume from the same offset
    expect(new Set(ranges).size).toBe(10);
    expect(ranges.length).toBe(11);
    expect(rig.recorder.total('download_resumes')).toBe(1);
    expect(rig.recorder.total('devices_upgraded')).toBe(1);
  });

  it('reboots mid-download, asks the saved task state, then resumes from its saved offset', async () => {
    const rig = createRig({
      size: 1000,
      mode: 'loop',
      limitMs: 120_000,
      profile: { download: { chunkSize: 100, progressEvery: 0 }, faults: { reboot: 1 } },
    });
    await rig.run();
    expect(rig.recorder.total('device_reboots')).toBe(1);
    const calls = rig.dispatcher.seen.map((r) => r.call);
    const reboot = calls.indexOf('report-version', 1);
    expect(reboot).toBeGreaterThan(0);
    // after the reboot: report versions, then the saved task's state, before any check
    expect(calls[reboot + 1]).toBe('task-state');
    const ranges = rig.requests('download').map((r) => r.headers.Range!);
    expect(ranges[0]).toBe('bytes=0-99');
    expect(new Set(ranges).size).toBe(10); // nothing downloaded twice but the chunk the reboot broke
    expect(rig.recorder.total('devices_upgraded')).toBe(1);
  });

  it('a reboot during the chunk in which the task is cancelled ends the task as cancelled', async () => {
    const rig = createRig({
      size: 1000,
      mode: 'loop',
      limitMs: 300_000,
      profile: { download: { chunkSize: 100, progressEvery: 0 }, faults: { reboot: 1 } },
      script: (req) => {
        // the cancel lands while the device is down: the task leaves check's answers
        if (isCall(req, 'report-version') && rig.requests('download').length > 0 && rig.ota.task)
          rig.ota.task.status = TaskStatus.CANCELLED;
        return undefined;
      },
    });
    await rig.run();
    expect(rig.recorder.total('device_reboots')).toBe(1);
    expect(rig.recorder.total('devices_cancelled')).toBe(1);
    expect(rig.recorder.total('devices_failed')).toBe(0);
    expect(rig.requests('task-state').length).toBeGreaterThanOrEqual(1);
  });

  it('a reboot after which the task has expired counts it failed (expired), not cancelled', async () => {
    const rig = createRig({
      size: 1000,
      mode: 'loop',
      limitMs: 300_000,
      profile: { download: { chunkSize: 100, progressEvery: 0 }, faults: { reboot: 1 } },
      script: (req) => {
        if (isCall(req, 'report-version') && rig.requests('download').length > 0 && rig.ota.task)
          rig.ota.task.status = TaskStatus.FAILED;
        return undefined;
      },
    });
    await rig.run();
    expect(rig.recorder.total('devices_failed', ['step', 'expired'])).toBe(1);
    expect(rig.recorder.total('devices_cancelled')).toBe(0);
  });
});

describe('device: failures of a task', () => {
  it('a package whose md5 differs is reported as 101 then 205 and counted failed', async () => {
    const rig = createRig({
      size: 1000,
      script: (req) => {
        if (!isCall(req, 'download') || !rig.ota.task) return undefined;
        rig.ota.task.status = TaskStatus.DOWNLOADING;
        return { headers: { 'Ota-Errno': '0' }, body: Buffer.alloc(1000, 1) };
      },
    });
    await rig.run();
    expect(rig.recorder.errors('ERR_OTA_MD5_MISMATCH')).toBe(1);
    expect(rig.ota.steps.filter((s) => s >= 100)).toEqual([101, 205]);
    expect(rig.recorder.total('devices_failed', ['step', '205'])).toBe(1);
  });

  it('the md5Mismatch fault reports 205 for a good package', async () => {
    const rig = createRig({ size: 500, profile: { faults: { md5Mismatch: 1 } } });
    await rig.run();
    expect(rig.recorder.errors('ERR_OTA_MD5_MISMATCH')).toBe(0);
    expect(rig.ota.steps.at(-1)).toBe(205);
    expect(rig.recorder.total('devices_failed', ['step', '205'])).toBe(1);
  });

  it('an install failure reports one of the upgrade-failure steps and counts the device failed', async () => {
    const rig = createRig({ size: 500, profile: { faults: { installFailure: 1 } } });
    await rig.run();
    const last = rig.ota.steps.at(-1)!;
    expect([202, 203, 204, 206]).toContain(last);
    expect(rig.recorder.total('devices_failed', ['step', String(last)])).toBe(1);
    expect(rig.recorder.total('devices_upgraded')).toBe(0);
    expect(rig.ota.task!.status).toBe(TaskStatus.FAILED);
  });

  it('low battery mid-download reports step 105 and counts the device failed', async () => {
    const rig = createRig({
      size: 1000,
      profile: { download: { chunkSize: 100, progressEvery: 0 }, faults: { lowBattery: 1 } },
    });
    await rig.run();
    expect(rig.ota.steps.at(-1)).toBe(105);
    expect(rig.recorder.total('devices_failed', ['step', '105'])).toBe(1);
  });
});

describe('device: every way a task ends', () => {
  it('Ota-Errno 5 with task state 6 is a cancel', async () => {
    const rig = createRig({
      size: 1000,
      script: (req) => {
        if (isCall(req, 'download') && rig.ota.task) rig.ota.task.status = TaskStatus.CANCELLED;
        return undefined;
      },
    });
    await rig.run();
    expect(rig.requests('task-state')).toHaveLength(1);
    expect(rig.recorder.total('devices_cancelled')).toBe(1);
    expect(rig.recorder.total('devices_failed')).toBe(0);
  });

  it('Ota-Errno 5 with task state 5 is an expiry, counted failed (expired), not cancelled', async () => {
    const rig = createRig({
      size: 1000,
      script: (req) => {
        if (isCall(req, 'download') && rig.ota.task) rig.ota.task.status = TaskStatus.FAILED;
        return undefined;
      },
    });
    await rig.run();
    expect(rig.recorder.total('devices_cancelled')).toBe(0);
    expect(rig.recorder.total('devices_failed', ['step', 'expired'])).toBe(1);
  });

  it('injected Ota-Errno 5 on a live task counts no outcome; the device upgrades once it stops', async () => {
    let injected = 0;
    const rig = createRig({
      size: 1000,
      mode: 'loop',
      limitMs: 600_000,
      profile: { pollInterval: '30s' },
      script: (req) => {
        if (isCall(req, 'download') && injected < 4) {
          injected++;
          return { headers: { 'Ota-Errno': '5', 'Content-Length': '0' } };
        }
        return undefined;
      },
    });
    await rig.run();
    expect(injected).toBe(4);
    expect(rig.recorder.total('devices_cancelled')).toBe(0);
    expect(rig.recorder.total('devices_failed')).toBe(0);
    expect(rig.recorder.total('devices_upgraded')).toBe(1);
  });

  it('a task is counted once however many Ota-Errno 5 replies come', async () => {
    const rig = createRig({
      size: 1000,
      mode: 'loop',
      limitMs: 600_000,
      script: (req) => {
        if (isCall(req, 'download')) return { headers: { 'Ota-Errno': '5', 'Content-Length': '0' } };
        // a server that keeps offering a task it also says is cancelled
        if (isCall(req, 'task-state')) return env(Errno.OK, { status: TaskStatus.CANCELLED });
        return undefined;
      },
    });
    await rig.run();
    expect(rig.requests('check').length).toBeGreaterThan(5);
    expect(rig.recorder.total('devices_cancelled')).toBe(1);
  });

  it('errno 22 on a step report ends the task as cancelled', async () => {
    const rig = createRig({
      size: 1000,
      profile: { download: { chunkSize: 250, progressEvery: 25 } },
      script: (req) => (isCall(req, 'report-status') ? env(Errno.TASK_CANCELLED) : undefined),
    });
    await rig.run();
    expect(rig.requests('report-status')).toHaveLength(1);
    expect(rig.requests('download')).toHaveLength(1);
    expect(rig.recorder.total('devices_cancelled')).toBe(1);
  });

  it('task state 6 before a chunk ends the task as cancelled without downloading', async () => {
    const rig = createRig({
      size: 1000,
      profile: { download: { chunkSize: 500, checkTaskBeforeChunk: true } },
      script: (req) => {
        if (isCall(req, 'task-state') && rig.ota.task) rig.ota.task.status = TaskStatus.CANCELLED;
        return undefined;
      },
    });
    await rig.run();
    expect(rig.requests('download')).toHaveLength(0);
    expect(rig.recorder.total('devices_cancelled')).toBe(1);
  });

  it('errno 20 on a step report asks the task state and records its outcome (failed)', async () => {
    const rig = createRig({
      size: 1000,
      script: (req) => {
        // the batch's timeout fails the task while the device downloads
        if (isCall(req, 'report-status') && rig.ota.task) rig.ota.task.status = TaskStatus.FAILED;
        return undefined;
      },
    });
    await rig.run();
    expect(rig.requests('task-state')).toHaveLength(1);
    expect(rig.recorder.total('devices_failed', ['step', 'expired'])).toBe(1);
    expect(rig.recorder.total('devices_upgraded') + rig.recorder.total('devices_cancelled')).toBe(0);
  });

  it('errno 20 with no readable task state still ends the task (failed: finished)', async () => {
    const rig = createRig({
      size: 1000,
      script: (req) => {
        if (isCall(req, 'report-status')) return env(Errno.TASK_FINISHED);
        if (isCall(req, 'task-state')) return env(Errno.BAD_PARAM);
        return undefined;
      },
    });
    await rig.run();
    expect(rig.recorder.total('devices_failed', ['step', 'finished'])).toBe(1);
  });

  it('a task that succeeded elsewhere (errno 20, state 4) is counted upgraded with the target version', async () => {
    const rig = createRig({
      size: 1000,
      script: (req) => {
        if (isCall(req, 'report-status') && rig.ota.task) rig.ota.task.status = TaskStatus.SUCCEEDED;
        return undefined;
      },
    });
    await rig.run();
    expect(rig.recorder.total('devices_upgraded')).toBe(1);
    expect(rig.opts.versions.f_version).toBe('V2');
  });
});

describe('device: retries with back-off', () => {
  it('retries a 503 check with exponential full-jitter back-off, then gets its answer', async () => {
    const rig = createRig({
      noTask: true,
      profile: { retry: { max: 5, baseDelay: '1s', maxDelay: '30s' } },
      script: (req) =>
        isCall(req, 'check') && rig.requests('check').length <= 3 ? { status: 503 } : undefined,
    });
    await rig.run();
    expect(rig.requests('check')).toHaveLength(4);
    expect(rig.recorder.total('request_retries')).toBe(3);
    expect(rig.recorder.errors('ERR_HTTP_STATUS')).toBe(3);
    const [a, b, c] = rig.clock.sleeps;
    expect(a).toBeLessThanOrEqual(1000);
    expect(b).toBeLessThanOrEqual(2000);
    expect(c).toBeLessThanOrEqual(4000);
  });

  it('gives up after retry.max retries', async () => {
    const rig = createRig({
      noTask: true,
      profile: { retry: { max: 2, baseDelay: '100ms' } },
      script: (req) => (isCall(req, 'check') ? { error: 'ECONNRESET' } : undefined),
    });
    await rig.run();
    expect(rig.requests('check')).toHaveLength(3);
    expect(rig.recorder.errors('ERR_TRANSPORT_RESET')).toBe(3);
  });

  it('does not retry a 404', async () => {
    const rig = createRig({
      noTask: true,
      script: (req) => (isCall(req, 'check') ? { status: 404 } : undefined),
    });
    await rig.run();
    expect(rig.requests('check')).toHaveLength(1);
  });

  it('a download broken off mid-body is a truncation, retried from the bytes already saved', async () => {
    let cut = false;
    const rig = createRig({
      size: 40_000,
      script: (req) => {
        if (isCall(req, 'download') && !cut) {
          cut = true;
          return { headers: { 'Ota-Errno': '0' }, body: rig.ota.pkg, cutAfter: 16_384 };
        }
        return undefined;
      },
    });
    await rig.run();
    expect(rig.recorder.errors('ERR_DOWNLOAD_TRUNCATED')).toBe(1);
    expect(rig.requests('download')[1]!.headers.Range).toBe('bytes=16384-');
    expect(rig.recorder.total('devices_upgraded')).toBe(1);
  });
});

describe('device: errors as samples', () => {
  it('offers each failed request as a sample with method, path, status, errno and a short body, never the token', async () => {
    const rig = createRig({
      noTask: true,
      profile: { retry: { max: 0 } },
      script: (req) =>
        isCall(req, 'check')
          ? { body: encodeEnvelope('studio', Errno.AUTH_FAILED, undefined) + ' '.repeat(400) }
          : undefined,
    });
    await rig.run();
    const s = rig.recorder.samples[0]!;
    expect(s).toMatchObject({ code: 'ERR_OTA_ERRNO', call: 'check', method: 'GET', status: 200, errno: 1 });
    expect(s.path).toBe('/ota/p1/dev-1/check?type=1&version=V1');
    expect(s.body!.length).toBeLessThanOrEqual(200);
    expect(JSON.stringify(rig.recorder.samples)).not.toContain('secret');
  });

  it('a check reply with a malformed task is a bad reply, offered as a sample with the reason', async () => {
    const rig = createRig({
      script: (req) =>
        isCall(req, 'check')
          ? env(Errno.OK, { tid: 1, target: 'V2', size: 10, md5: 'nothex', status: 1 })
          : undefined,
    });
    await rig.run();
    expect(rig.recorder.errors('ERR_OTA_BAD_REPLY')).toBe(1);
    expect(rig.recorder.samples[0]).toMatchObject({
      code: 'ERR_OTA_BAD_REPLY',
      detail: 'check md5 is not 32 hex',
    });
    expect(rig.requests('download')).toHaveLength(0);
  });

  it('a JSON reply over 64 KiB is cut with ERR_REPLY_TOO_LARGE', async () => {
    const rig = createRig({
      noTask: true,
      profile: { retry: { max: 0 } },
      script: (req) => (isCall(req, 'check') ? { body: 'x'.repeat(200_000) } : undefined),
    });
    await rig.run();
    expect(rig.recorder.errors('ERR_REPLY_TOO_LARGE')).toBe(1);
  });
});

describe('device: token renewal', () => {
  it('renews its product-level token before et, on the clock the token source reads', async () => {
    let virtualNow = () => 1000;
    const s = scenarioSchema.parse({
      name: 't',
      seed: 1,
      fleet: { count: 1 },
      product: { id: 'p1', accessKey: Buffer.alloc(32, 1).toString('base64'), tokenTtl: '60s' },
    });
    const tokens = createTokenSource(
      s,
      { origin: 'http://x', productId: 'p1', productKey: s.product.accessKey! },
      {
        nowMs: () => 1_700_000_000_000 + (virtualNow() - 1000),
      },
    );
    const rig = createRig({
      noTask: true,
      mode: 'loop',
      limitMs: 200_000,
      profile: { pollInterval: '20s', pollJitter: 0 },
      credentials: tokens.credentialsFor('dev-1'),
    });
    virtualNow = () => rig.clock.now();
    await rig.run();
    const ets = rig.requests('check').map((r) => {
      const at = (r.headers.Authorization ?? '').match(/et=(\d+)/)?.[1];
      return Number(at);
    });
    // every request went out before its token's et: the token was renewed in time
    const sentAt = rig.requests('check').map((_, i) => 1_700_000_000 + i * 20);
    for (let i = 0; i < ets.length; i++) expect(ets[i]!).toBeGreaterThan(sentAt[i]!);
    expect(new Set(ets).size).toBeGreaterThan(2);
    expect(parseAuthorization(rig.requests('check')[0]!.headers.Authorization!)?.res).toBe('products/p1');
  });
});
