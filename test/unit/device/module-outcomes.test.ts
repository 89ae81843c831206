import { describe, expect, it } from 'vitest';
import { type HasModuleOutcomes, noteTaskEnded, noteTaskSeen } from '../../../src/device/module-outcomes.ts';
import { createNullRecorder, type Recorder } from '../../../src/metrics/recorder.ts';

/** A recorder that only sums devices_fully_upgraded. */
function counting(): { recorder: Recorder; total: () => number } {
  let total = 0;
  const recorder: Recorder = {
    ...createNullRecorder(),
    count(name, n = 1) {
      if (name === 'devices_fully_upgraded') total += n;
    },
  };
  return { recorder, total: () => total };
}

const FOTA = 1;
const SOTA = 2;

describe('a device is upgraded when all its targeted modules are', () => {
  it('counts a two-module device once, when its second module upgrades', () => {
    const { recorder, total } = counting();
    const device: HasModuleOutcomes = {};
    noteTaskSeen(device, FOTA, recorder);
    noteTaskSeen(device, SOTA, recorder);
    noteTaskEnded(device, FOTA, 'upgraded', recorder);
    expect(total()).toBe(0);
    noteTaskEnded(device, SOTA, 'upgraded', recorder);
    expect(total()).toBe(1);
    noteTaskEnded(device, SOTA, 'upgraded', recorder);
    expect(total()).toBe(1);
  });

  it('does not count a device one of whose modules failed', () => {
    const { recorder, total } = counting();
    const device: HasModuleOutcomes = {};
    noteTaskSeen(device, FOTA, recorder);
    noteTaskSeen(device, SOTA, recorder);
    noteTaskEnded(device, FOTA, 'upgraded', recorder);
    noteTaskEnded(device, SOTA, 'failed', recorder);
    expect(total()).toBe(0);
  });

  it('takes the count back when a new task reaches an upgraded device, and gives it again when it ends', () => {
    const { recorder, total } = counting();
    const device: HasModuleOutcomes = {};
    noteTaskSeen(device, FOTA, recorder);
    noteTaskEnded(device, FOTA, 'upgraded', recorder);
    expect(total()).toBe(1);
    noteTaskSeen(device, SOTA, recorder);
    expect(total()).toBe(0);
    noteTaskEnded(device, SOTA, 'upgraded', recorder);
    expect(total()).toBe(1);
  });
});
