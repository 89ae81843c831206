import { describe, expect, it } from 'vitest';
import { LineCounter, parseDocument } from 'yaml';
import { interpolateDocument, interpolateString } from '../../../src/scenario/interpolate.ts';

describe('interpolateString', () => {
  const env = { HOST: 'ota.local', EMPTY: '' };
  it('replaces ${NAME} with the variable and ${NAME:-default} with the default when unset or empty', () => {
    expect(interpolateString('http://${HOST}:${PORT:-8080}/${EMPTY:-x}', env)).toEqual({
      value: 'http://ota.local:8080/x',
      problems: [],
    });
  });
  it('writes $${ as a literal ${ and leaves lone dollars alone', () => {
    expect(interpolateString('$${HOST} costs $5', env).value).toBe('${HOST} costs $5');
  });
  it('accepts an empty default', () => {
    expect(interpolateString('[${NOPE:-}]', env).value).toBe('[]');
  });
  it('reports an unset variable, an invalid name and an unclosed placeholder, leaving them as written', () => {
    const r = interpolateString('${NOPE} ${9X} ${OPEN', env);
    expect(r.value).toBe('${NOPE} ${9X} ${OPEN');
    expect(r.problems.map((p) => [p.index, p.message])).toEqual([
      [0, 'environment variable NOPE is not set (or write ${NOPE:-default})'],
      [8, 'has an invalid placeholder ${9X}: expected ${NAME} or ${NAME:-default}'],
      [14, 'has an unclosed ${ (write $${ for a literal ${)'],
    ]);
  });
});

describe('interpolateDocument', () => {
  function run(text: string, env: Record<string, string>) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter });
    const problems = interpolateDocument(doc, text, env).map((p) => ({
      path: p.path,
      ...lineCounter.linePos(p.offset),
      message: p.message,
    }));
    return { data: doc.toJS() as unknown, problems };
  }

  it('resolves values in mappings and lists but never keys', () => {
    const r = run('${K}: ${V}\nlist: [a, "${V}"]\n', { K: 'key', V: 'value' });
    expect(r.data).toEqual({ '${K}': 'value', list: ['a', 'value'] });
  });
  it('keeps an interpolated number-looking value a string', () => {
    expect(run('id: ${ID}\n', { ID: '238322' }).data).toEqual({ id: '238322' });
  });
  it('reports an unset variable at the line and column of its ${, with its data path', () => {
    const r = run('product:\n  id: "x-${MISSING}"\nlist:\n  - ok\n  - ${ALSO}\n', {});
    expect(r.problems).toEqual([
      {
        path: ['product', 'id'],
        line: 2,
        col: 10,
        message: 'environment variable MISSING is not set (or write ${MISSING:-default})',
      },
      {
        path: ['list', 1],
        line: 5,
        col: 5,
        message: 'environment variable ALSO is not set (or write ${ALSO:-default})',
      },
    ]);
  });
});
