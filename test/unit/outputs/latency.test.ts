import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAccumulator } from '../../../src/metrics/hdr.ts';
import { summarizeHistogram } from '../../../src/metrics/snapshot.ts';
import { summarizeFast } from '../../../src/outputs/latency.ts';

describe('summarizeFast', () => {
  it("gives summarizeHistogram's figures on the aggregator's accumulators", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3_600_000_000 }), { minLength: 1, maxLength: 300 }),
        (values) => {
          const h = createAccumulator();
          for (const v of values) h.recordValue(v);
          const fast = summarizeFast(h);
          const slow = summarizeHistogram(h);
          expect({ ...fast, mean: 0, stddev: 0 }).toEqual({ ...slow, mean: 0, stddev: 0 });
          expect(Math.abs(fast.mean - slow.mean)).toBeLessThanOrEqual(Math.max(0.1, slow.mean * 1e-9));
          expect(Math.abs(fast.stddev - slow.stddev)).toBeLessThanOrEqual(Math.max(0.1, slow.stddev * 1e-9));
        },
      ),
      { numRuns: 200 },
    );
  });
});
