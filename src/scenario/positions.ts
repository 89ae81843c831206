/**
 * From a path in the scenario data (`['profiles', 1, 'faults', 'reboot']`) to a line and column of the
 * YAML source, and to the dotted form users read (`profiles[1].faults.reboot`).
 */
import {
  type Document,
  isCollection,
  isMap,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  type Pair,
} from 'yaml';

/** One step of a path into scenario data: a mapping key or a list index. */
export type PathSegment = string | number;

/** A 1-based line and column. */
export interface Position {
  line: number;
  column: number;
}

/** What of the node at a path a position points at: its value, or (for an unknown key) the key itself. */
export type PositionTarget = 'value' | 'key';

/** Finds positions in one parsed YAML (or JSON) document. */
export interface Locator {
  /** The position of `path`; for a path that goes missing, the position of its deepest existing part. */
  locate(path: readonly PathSegment[], target?: PositionTarget): Position;
  /** The position of a byte offset of the source. */
  at(offset: number): Position;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Formats a path as users read it: `profiles[1].faults.reboot`, `fleet.versions.f_version["V1.0"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (seg.length > MAX_SEGMENT) out += `[${JSON.stringify(`${seg.slice(0, MAX_SEGMENT)}…`)}]`;
    else if (IDENTIFIER.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** Longest key shown in a path; a longer one is cut (a hostile file must not print megabytes). */
const MAX_SEGMENT = 60;

function keyText(pair: Pair): string | undefined {
  const key = pair.key;
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

interface Step {
  node: unknown;
  key: Node | undefined;
}

/** Each mapping's pairs by key text (first wins, like a linear search), built once per mapping. */
type PairIndex = WeakMap<object, Map<string, Pair>>;

function pairOf(index: PairIndex, map: { items: Pair[] }, key: string): Pair | undefined {
  let byKey = index.get(map);
  if (byKey === undefined) {
    byKey = new Map();
    for (const p of map.items) {
      const k = keyText(p);
      if (k !== undefined && !byKey.has(k)) byKey.set(k, p);
    }
    index.set(map, byKey);
  }
  return byKey.get(key);
}

/** Walks as far along `path` as the document goes (linear in the path: keys are looked up in an index). */
function walk(
  doc: Document,
  path: readonly PathSegment[],
  index: PairIndex,
): { steps: Step[]; complete: boolean } {
  const steps: Step[] = [{ node: doc.contents, key: undefined }];
  for (const seg of path) {
    const { node } = steps[steps.length - 1]!;
    if (isMap(node)) {
      const pair = pairOf(index, node as { items: Pair[] }, String(seg));
      if (!pair) return { steps, complete: false };
      steps.push({ node: pair.value, key: isScalar(pair.key) ? pair.key : undefined });
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      steps.push({ node: node.items[seg], key: undefined });
    } else {
      return { steps, complete: false };
    }
  }
  return { steps, complete: true };
}

function startOf(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return range ? range[0] : undefined;
}

/** Where a node "is": a block mapping or list is where its key is; a scalar or flow value is itself. */
function offsetOf(step: Step): number | undefined {
  const { node, key } = step;
  const blockCollection = isCollection(node) && !(node as { flow?: boolean }).flow;
  // `key:` with nothing after it: the empty value sits past the colon, so point at the key.
  const empty =
    node === null || node === undefined || (isScalar(node) && node.source === '' && node.value === null);
  if (key && (blockCollection || empty)) return startOf(key);
  return startOf(node) ?? startOf(key);
}

/** Creates the locator of one document, whose source was counted with `lineCounter`. */
export function createLocator(doc: Document, lineCounter: LineCounter): Locator {
  // the document is not changed after parsing (interpolation only rewrites scalar values)
  const index: PairIndex = new WeakMap();
  const at = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  return {
    at,
    locate(path, target = 'value') {
      const { steps, complete } = walk(doc, path, index);
      const last = steps[steps.length - 1]!;
      let offset: number | undefined;
      if (complete && target === 'key') offset = startOf(last.key);
      offset ??= offsetOf(last);
      // Walk back up when a node carries no range (an empty document, a missing value).
      for (let i = steps.length - 2; offset === undefined && i >= 0; i--) offset = offsetOf(steps[i]!);
      return offset === undefined ? { line: 1, column: 1 } : at(offset);
    },
  };
}
