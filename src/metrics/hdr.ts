/**
 * The only file that touches hdr-histogram-js: histogram construction (WASM or JS), encoding and
 * decoding. WASM must be initialised per thread (PITFALLS) and WASM histograms must be destroy()ed.
 */
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
  initWebAssembly,
} from 'hdr-histogram-js';
import { HISTOGRAM_RANGE } from './registry.ts';

export type { Histogram } from 'hdr-histogram-js';

/** Options of `initMetrics`: `wasm: true` requires WASM, `false` forbids it, unset tries it. */
export interface InitMetricsOptions {
  wasm?: boolean;
}

let wasmReady = false;

/**
 * Prepares histograms for this thread (call once per worker, before `createRecorder`). Resolves to
 * the backend in use; rejects only when `wasm: true` and WASM cannot be initialised.
 */
export async function initMetrics(options: InitMetricsOptions = {}): Promise<{ wasm: boolean }> {
  if (options.wasm === false) {
    wasmReady = false;
    return { wasm: false };
  }
  try {
    await initWebAssembly();
    wasmReady = true;
  } catch (err) {
    wasmReady = false;
    if (options.wasm === true) throw err;
  }
  return { wasm: wasmReady };
}

/** True once `initMetrics` initialised WASM in this thread. */
export function metricsUseWasm(): boolean {
  return wasmReady;
}

/** Largest value an interval histogram starts out able to hold (it grows up to HISTOGRAM_RANGE.highest). */
const INITIAL_HIGHEST = 60_000_000;

/**
 * A histogram for recording in a worker: WASM when `wasm` (and initialised), 32-bit counts,
 * auto-resizing. The caller clamps values into HISTOGRAM_RANGE and destroys it when done.
 */
export function createIntervalHistogram(wasm: boolean): Histogram {
  return build({
    useWebAssembly: wasm && wasmReady,
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: HISTOGRAM_RANGE.lowest,
    highestTrackableValue: INITIAL_HIGHEST,
    numberOfSignificantValueDigits: HISTOGRAM_RANGE.significantDigits,
  });
}

/**
 * A fresh JS accumulator to merge decoded histograms into (main thread; 64-bit counts so long runs
 * cannot overflow a bucket). Decoded histograms cannot resize, so merge into one of these.
 */
export function createAccumulator(): Histogram {
  return build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: HISTOGRAM_RANGE.lowest,
    highestTrackableValue: 2,
    numberOfSignificantValueDigits: HISTOGRAM_RANGE.significantDigits,
  });
}

/** Encodes a histogram as compressed base64 (the HdrHistogram V2 format, readable by other HDR tools). */
export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

/** Decodes compressed base64 to a JS histogram (autoResize=false: merge it into `createAccumulator()`). */
export function decodeHistogram(base64: string): Histogram {
  return decodeFromCompressedBase64(base64, 64, false);
}

/** Clamps a latency in µs into the recordable range and rounds it (NaN → lowest). Hot path: no allocation. */
export function clampMicros(micros: number): number {
  if (!(micros >= HISTOGRAM_RANGE.lowest)) return HISTOGRAM_RANGE.lowest;
  if (micros > HISTOGRAM_RANGE.highest) return HISTOGRAM_RANGE.highest;
  return Math.round(micros);
}
