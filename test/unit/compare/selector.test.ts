import { describe, expect, it } from 'vitest';
import { parseSelector, selects } from '../../../src/metrics/threshold-selector.ts';

const err = (text: string) => {
  const r = parseSelector(text);
  return r.ok ? 'parsed' : `${r.error.message} @${r.error.column}`;
};

describe('parseSelector', () => {
  it('reads a bare name and tags with : or =, quoted values and spaces', () => {
    expect(parseSelector('ota_check_duration')).toEqual({
      ok: true,
      value: { name: 'ota_check_duration', tags: {} },
    });
    expect(parseSelector('errors{code:ERR_TRANSPORT_RESET}')).toEqual({
      ok: true,
      value: { name: 'errors', tags: { code: 'ERR_TRANSPORT_RESET' } },
    });
    expect(parseSelector('errors{ code = ERR_HTTP_STATUS , status:"503" }')).toEqual({
      ok: true,
      value: { name: 'errors', tags: { code: 'ERR_HTTP_STATUS', status: '503' } },
    });
    expect(parseSelector("errors{detail:'a,b}'}")).toMatchObject({ value: { tags: { detail: 'a,b}' } } });
  });

  it('names the column of a malformed selector', () => {
    expect(err('Errors')).toBe('expected a metric name in snake_case, e.g. ota_check_duration @1');
    expect(err('errors[code]')).toBe('unexpected "[" after the metric name @7');
    expect(err('errors{code}')).toBe('expected ":" after tag code @12');
    expect(err('errors{code:}')).toBe('expected a tag value @13');
    expect(err('errors{code:"a" b}')).toBe('expected "," or "}" after a tag value @17');
    expect(err('errors{code:a,code:b}')).toBe('tag code is given twice @15');
    expect(err('errors{code:a}x')).toBe('unexpected text after "}" @15');
    expect(err('errors{code:"a}')).toBe('unclosed " in a tag value @13');
  });
});

describe('selects', () => {
  it('matches series whose tags include the selector tags', () => {
    const sel = { name: 'errors', tags: { code: 'ERR_HTTP_STATUS' } };
    expect(selects(sel, 'errors', { code: 'ERR_HTTP_STATUS', status: '503', call: 'check' })).toBe(true);
    expect(selects(sel, 'errors', { code: 'ERR_TRANSPORT_RESET' })).toBe(false);
    expect(selects(sel, 'ota_requests', { code: 'ERR_HTTP_STATUS' })).toBe(false);
    expect(selects({ name: 'errors', tags: {} }, 'errors', {})).toBe(true);
  });
});
