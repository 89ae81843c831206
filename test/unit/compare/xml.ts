/**
 * A tiny strict XML reader for tests: walks the text character by character (no regular
 * expressions), checks nesting, quoting and entities, and returns the element tree. Throws on any
 * well-formedness error it knows; enough to trust that CI JUnit parsers will read a file.
 */

/** One element: its name, attributes (entities decoded), children and text. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const isNameChar = (c: string) =>
  (c >= 'a' && c <= 'z') ||
  (c >= 'A' && c <= 'Z') ||
  (c >= '0' && c <= '9') ||
  c === '-' ||
  c === '_' ||
  c === ':' ||
  c === '.';

class Reader {
  pos = 0;
  constructor(readonly s: string) {}
  fail(why: string): never {
    throw new Error(
      `XML: ${why} at offset ${this.pos}: ${JSON.stringify(this.s.slice(this.pos, this.pos + 30))}`,
    );
  }
  skipSpace() {
    while (' \n\r\t'.includes(this.s[this.pos] ?? 'x')) this.pos++;
  }
  name(): string {
    const start = this.pos;
    while (this.pos < this.s.length && isNameChar(this.s[this.pos]!)) this.pos++;
    if (this.pos === start) this.fail('expected a name');
    return this.s.slice(start, this.pos);
  }
  /** Decodes text up to `stop`, checking that `<` never appears raw and `&` starts an entity. */
  chars(stop: string): string {
    let out = '';
    while (this.pos < this.s.length && this.s[this.pos] !== stop) {
      const c = this.s[this.pos]!;
      if (c === '<') this.fail('raw < in text or attribute');
      if (c === '&') {
        const end = this.s.indexOf(';', this.pos);
        if (end < 0 || end - this.pos > 10) this.fail('raw &');
        const ent = this.s.slice(this.pos + 1, end);
        if (ent.startsWith('#'))
          out += String.fromCodePoint(Number(ent.startsWith('#x') ? `0x${ent.slice(2)}` : ent.slice(1)));
        else if (ent in ENTITIES) out += ENTITIES[ent];
        else this.fail(`unknown entity &${ent};`);
        this.pos = end + 1;
        continue;
      }
      const code = c.charCodeAt(0);
      if (code < 0x20 && c !== '\n' && c !== '\r' && c !== '\t') this.fail('control character');
      out += c;
      this.pos++;
    }
    return out;
  }
  element(): XmlElement {
    if (this.s[this.pos] !== '<') this.fail('expected <');
    this.pos++;
    const el: XmlElement = { name: this.name(), attrs: {}, children: [], text: '' };
    for (;;) {
      this.skipSpace();
      const c = this.s[this.pos];
      if (c === '/' && this.s[this.pos + 1] === '>') {
        this.pos += 2;
        return el;
      }
      if (c === '>') break;
      const key = this.name();
      if (key in el.attrs) this.fail(`duplicate attribute ${key}`);
      this.skipSpace();
      if (this.s[this.pos] !== '=') this.fail('expected =');
      this.pos++;
      this.skipSpace();
      const q = this.s[this.pos];
      if (q !== '"' && q !== "'") this.fail('unquoted attribute');
      this.pos++;
      el.attrs[key] = this.chars(q);
      if (this.s[this.pos] !== q) this.fail('unterminated attribute');
      this.pos++;
    }
    this.pos++;
    for (;;) {
      el.text += this.chars('<');
      if (this.pos >= this.s.length) this.fail(`unclosed <${el.name}>`);
      if (this.s[this.pos + 1] === '/') {
        this.pos += 2;
        const close = this.name();
        if (close !== el.name) this.fail(`</${close}> closes <${el.name}>`);
        this.skipSpace();
        if (this.s[this.pos] !== '>') this.fail('expected >');
        this.pos++;
        return el;
      }
      el.children.push(this.element());
    }
  }
}

/** Parses a whole document (optional `<?xml ...?>` declaration, one root element). */
export function parseXml(text: string): XmlElement {
  const r = new Reader(text);
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>');
    if (end < 0) r.fail('unterminated declaration');
    r.pos = end + 2;
  }
  r.skipSpace();
  const root = r.element();
  r.skipSpace();
  if (r.pos !== text.length) r.fail('content after the root element');
  return root;
}

/** Every descendant element named `name`, depth first. */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  return el.children.flatMap((c) => [...(c.name === name ? [c] : []), ...findAll(c, name)]);
}
