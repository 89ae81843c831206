import { describe, expect, it } from 'vitest';
import { deriveRollout } from '../../../src/metrics/rollout.ts';
import type { RolloutBatch } from '../../../src/metrics/run-summary.ts';
import { emptyPoint } from '../../../src/metrics/timeseries.ts';

const batch = (counts: Record<string, number>): RolloutBatch => ({
  name: 'b',
  id: '1',
  status: 'running',
  targeted: 30,
  counts: {
    pending: 0,
    downloading: 0,
    upgrading: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    retrying: 0,
    ...counts,
  },
});

describe('rollout counts', () => {
  it('never counts more outcomes than targeted tasks, and says how many it left out', () => {
    const r = deriveRollout({ 'devices_cancelled{from=V1.0,profile=p}': 58 }, [emptyPoint(0)], {
      targeted: 30,
    });
    expect(r).toMatchObject({ targeted: 30, upgraded: 0, failed: 0, cancelled: 30, overcounted: 28 });
  });

  it('takes pending from the live tasks on the server, not clipped at 0 by over-counted outcomes', () => {
    const counters = {
      'devices_cancelled{from=V1.0,profile=p}': 58,
      'devices_upgraded{from=V1.0,profile=p}': 10,
    };
    const r = deriveRollout(counters, [emptyPoint(0)], {
      targeted: 30,
      batches: [batch({ pending: 4, downloading: 6, upgrading: 2, succeeded: 10, cancelled: 8 })],
    });
    expect(r.pending).toBe(12);
    expect(r.pendingFrom).toBe('server');
    expect(r.upgraded + r.failed + r.cancelled).toBeLessThanOrEqual(30);
  });

  it('without batches, pending is targeted minus the outcomes devices reported', () => {
    const r = deriveRollout({ 'devices_upgraded{from=V1.0,profile=p}': 7 }, [emptyPoint(0)], {
      targeted: 10,
    });
    expect(r).toMatchObject({ pending: 3, pendingFrom: 'devices' });
  });

  it('reports devices apart from module tasks: devices with a task and devices fully upgraded', () => {
    const counters = {
      'devices_upgraded{from=V1.0,profile=p}': 101,
      devices_with_task: 100,
      devices_fully_upgraded: 50,
    };
    const r = deriveRollout(counters, [emptyPoint(0)], { targeted: 200 });
    expect(r).toMatchObject({ targeted: 200, upgraded: 101, devices: { withTask: 100, upgraded: 50 } });
  });
});
