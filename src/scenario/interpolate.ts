/**
 * `${ENV_VAR}` and `${ENV_VAR:-default}` in the string values of a scenario, resolved on the YAML
 * document itself so that a problem keeps its line and column. `$${` writes a literal `${`.
 * Keys are never interpolated, and an interpolated value stays a string.
 */
import { type Document, isPair, isScalar, isSeq, type Scalar, visit } from 'yaml';
import { clip } from './clip.ts';
import type { PathSegment } from './positions.ts';

/** Environment variables as the CLI passes them (normally `process.env`). */
export type Env = Readonly<Record<string, string | undefined>>;

/** A placeholder that could not be resolved, at a source offset. */
export interface InterpolationProblem {
  path: PathSegment[];
  offset: number;
  message: string;
}

/** The result of expanding one string. */
export interface StringExpansion {
  value: string;
  /** Unresolved placeholders: their index in the string and what is wrong. */
  problems: { index: number; placeholder: string; message: string }[];
}

const TOKEN = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/** Expands `${NAME}`, `${NAME:-default}` (default when unset or empty) and `$${` in one string. */
export function interpolateString(text: string, env: Env): StringExpansion {
  const problems: StringExpansion['problems'] = [];
  const value = text.replace(TOKEN, (whole: string, body: string | undefined, index: number) => {
    if (whole === '$${') return '${';
    if (body === undefined) {
      problems.push({
        index,
        placeholder: whole,
        message: 'has an unclosed ${ (write $${ for a literal ${)',
      });
      return whole;
    }
    const m = BODY.exec(body);
    if (!m) {
      problems.push({
        index,
        placeholder: whole,
        message: `has an invalid placeholder ${clip(whole)}: expected \${NAME} or \${NAME:-default}`,
      });
      return whole;
    }
    const name = m[1]!;
    const fallback = m[2];
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (fallback !== undefined) return fallback;
    problems.push({
      index,
      placeholder: whole,
      message: `environment variable ${clip(name)} is not set (or write \${${clip(name)}:-default})`,
    });
    return whole;
  });
  return { value, problems };
}

/** The data path of a node, from the ancestors yaml's `visit` hands over. */
function pathOf(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const path: PathSegment[] = [];
  const chain = [...ancestors, node];
  for (let i = 0; i < chain.length - 1; i++) {
    const here = chain[i];
    const next = chain[i + 1];
    if (isPair(here)) {
      const key = here.key;
      path.push(isScalar(key) ? String(key.value) : String(key));
    } else if (isSeq(here)) {
      path.push(here.items.indexOf(next as never));
    }
  }
  return path;
}

/** Where in the source a placeholder starts: found in the node's own source text, else the node's start. */
function offsetOf(node: Scalar, source: string, placeholder: string): number {
  const [start, end] = node.range ?? [0, 0];
  const at = source.slice(start, end).indexOf(placeholder);
  return at >= 0 ? start + at : start;
}

/**
 * Resolves every placeholder in the string values of `doc` in place. An unresolved one is left as
 * written and reported at its own line and column (the caller drops other problems on that value).
 */
export function interpolateDocument(doc: Document, source: string, env: Env): InterpolationProblem[] {
  const problems: InterpolationProblem[] = [];
  visit(doc, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      const expanded = interpolateString(node.value, env);
      node.value = expanded.value;
      for (const p of expanded.problems) {
        problems.push({
          path: pathOf(ancestors.slice(1), node),
          offset: offsetOf(node, source, p.placeholder),
          message: p.message,
        });
      }
    },
  });
  return problems;
}
