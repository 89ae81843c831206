/**
 * Loading a scenario file: YAML (JSON is parsed as YAML, so positions work the same) → `${ENV}`
 * interpolation → the zod schema → the named cross-field rules → the device-keys CSV. Every problem is
 * reported at once, each at the file:line:col of the node at fault.
 */
import { readFile } from 'node:fs/promises';
import { type Document, isCollection, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { OtaFleetError } from '../error-codes.ts';
import { clip } from './clip.ts';
import { type DeviceKeys, loadDeviceKeys } from './device-keys.ts';
import { type Env, interpolateDocument } from './interpolate.ts';
import { issueMessage, problemsFromIssues } from './issues.ts';
import { deviceName } from './names.ts';
import { createLocator, formatPath, type Locator, type PathSegment } from './positions.ts';
import { type ScenarioProblem, sortProblems } from './problems.ts';
import { checkRules, type Section } from './rules.ts';
import { type Scenario, scenarioSchema } from './schema.ts';

export { formatProblem, type ScenarioProblem } from './problems.ts';

/** Options of parseScenario and loadScenario. */
export interface ScenarioParseOptions {
  /** Values for `${NAME}` placeholders; the CLI passes process.env (the default). */
  env?: Env;
  /**
   * What an unset `${NAME}` without a default is: an `error` (default; `run`) or a `warning`
   * (`validate`: the file is checked as if set, unless the placeholder itself makes it invalid).
   */
  unsetEnv?: 'error' | 'warning';
}

/** A parsed scenario, or every problem that stops it; warnings either way. */
export type ScenarioParse =
  | { ok: true; scenario: Scenario; warnings: ScenarioProblem[] }
  | { ok: false; problems: ScenarioProblem[]; warnings: ScenarioProblem[] };

/** A loaded scenario file: the parse, the file's text (for reports) and the device keys it names. */
export type LoadedScenario = ScenarioParse & { file: string; source: string; deviceKeys?: DeviceKeys };

interface Analysis {
  problems: ScenarioProblem[];
  warnings: ScenarioProblem[];
  parts: Partial<Scenario>;
  valid: Set<Section>;
  locator: Locator | undefined;
}

const SECTIONS = Object.keys(scenarioSchema.shape) as Section[];

/** Longest problem message, in characters (each echoed value is cut shorter still). */
const MAX_MESSAGE = 300;

function yamlProblems(
  doc: Document,
  file: string,
  locator: Locator,
): Record<'errors' | 'warnings', ScenarioProblem[]> {
  const toProblem = (
    e: { pos: [number, number]; message: string },
    severity: 'error' | 'warning',
  ): ScenarioProblem => ({
    file,
    ...locator.at(e.pos[0]),
    path: '',
    message: clip(`${severity === 'error' ? 'invalid YAML: ' : ''}${e.message.split('\n')[0]}`, MAX_MESSAGE),
    severity,
  });
  // One syntax error often sets off more on the same line; the first one there is the one to fix.
  const lines = new Set<number>();
  const firstPerLine = doc.errors
    .map((e) => toProblem(e, 'error'))
    .filter((p) => !lines.has(p.line) && lines.add(p.line));
  return {
    errors: firstPerLine,
    warnings: doc.warnings.map((e) => toProblem(e, 'warning')),
  };
}

/**
 * Keys a scenario cannot have, in one linear pass: a key that is a list or mapping (`? [a, b]`), and
 * a key given twice in one mapping.
 */
function keyProblems(doc: Document, file: string, locator: Locator): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const at = (node: unknown, message: string) => {
    const range = (node as { range?: [number, number, number] } | null)?.range;
    out.push({ file, ...locator.at(range?.[0] ?? 0), path: '', message, severity: 'error' });
  };
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (isCollection(pair.key)) {
          at(pair.key, 'invalid YAML: a key must be a plain word, not a list or mapping');
          continue;
        }
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key))
          at(pair.key, `invalid YAML: map keys must be unique (${clip(JSON.stringify(key))} is repeated)`);
        seen.add(key);
      }
    },
  });
  return out;
}

/** Parses each section on its own, so rules can check the sections that are valid. */
function validSections(data: unknown): { parts: Partial<Scenario>; valid: Set<Section> } {
  const parts: Record<string, unknown> = {};
  const valid = new Set<Section>();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { parts, valid };
  for (const key of SECTIONS) {
    const r = scenarioSchema.shape[key].safeParse((data as Record<string, unknown>)[key]);
    if (!r.success) continue;
    parts[key] = r.data;
    valid.add(key);
  }
  return { parts: parts as Partial<Scenario>, valid };
}

function analyse(text: string, file: string, env: Env, unsetEnv: 'error' | 'warning' = 'error'): Analysis {
  const lineCounter = new LineCounter();
  // logLevel 'error': the yaml library's warnings become problems here, never a process warning
  // uniqueKeys false: the library's duplicate check is quadratic in a mapping's size; keyProblems
  // checks duplicates in linear time instead
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error', uniqueKeys: false });
  const locator = createLocator(doc, lineCounter);
  const none = { parts: {}, valid: new Set<Section>(), locator };
  const problem = (path: readonly PathSegment[], message: string, target?: 'key'): ScenarioProblem => ({
    file,
    ...locator.locate(path, target),
    path: formatPath(path),
    // a rule's message may quote names from the file: bounded like every echoed value
    message: clip(message, MAX_MESSAGE),
    severity: 'error',
  });
  const yaml = yamlProblems(doc, file, locator);
  yaml.errors.push(...keyProblems(doc, file, locator));
  if (yaml.errors.length > 0) return { ...none, problems: yaml.errors, warnings: yaml.warnings };

  const unresolved = interpolateDocument(doc, text, env);
  const unset: ScenarioProblem[] = unresolved.map((u) => ({
    file,
    ...locator.at(u.offset),
    path: formatPath(u.path),
    message:
      unsetEnv === 'warning' ? `${u.message}; ota-fleet run refuses the file until it is set` : u.message,
    severity: unsetEnv,
  }));
  const problems: ScenarioProblem[] = unsetEnv === 'error' ? unset : [];
  const envWarnings: ScenarioProblem[] = unsetEnv === 'warning' ? unset : [];
  const skip = new Set(unresolved.map((u) => formatPath(u.path)));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    problems.push(problem([], `cannot be read as data: ${(err as Error).message}`));
    return { ...none, problems: [...problems, ...envWarnings.map(asError)], warnings: yaml.warnings };
  }
  if (data === null || data === undefined) {
    problems.push(problem([], 'is empty: a scenario is a mapping with at least name and fleet'));
    return { ...none, problems, warnings: yaml.warnings };
  }
  const parsed = scenarioSchema.safeParse(data, { error: issueMessage });
  let parts: Partial<Scenario>;
  let valid: Set<Section>;
  if (parsed.success) {
    parts = parsed.data;
    valid = new Set(SECTIONS);
  } else {
    for (const p of problemsFromIssues(parsed.error.issues, data, scenarioSchema)) {
      if (!skip.has(formatPath(p.path)))
        problems.push(problem(p.path, p.message, p.target === 'key' ? 'key' : undefined));
    }
    ({ parts, valid } = validSections(data));
    // an unset placeholder that leaves a value the schema refuses makes the file invalid after all
    if (problems.length === 0) problems.push(...envWarnings.splice(0).map(asError));
  }
  const warnings: ScenarioProblem[] = [...yaml.warnings, ...envWarnings];
  for (const f of checkRules(parts, valid)) {
    (f.severity === 'error' ? problems : warnings).push({
      ...problem(f.path, f.message),
      severity: f.severity,
      rule: f.rule,
    });
  }
  return { problems, warnings, parts, valid, locator };
}

const asError = (p: ScenarioProblem): ScenarioProblem => ({ ...p, severity: 'error' });

function result(a: Analysis): ScenarioParse {
  const warnings = sortProblems(a.warnings);
  if (a.problems.length > 0) return { ok: false, problems: sortProblems(a.problems), warnings };
  return { ok: true, scenario: a.parts as Scenario, warnings };
}

/** Parses and validates scenario text (YAML or JSON) named `file`; does not read the device-keys CSV. */
export function parseScenario(text: string, file: string, options: ScenarioParseOptions = {}): ScenarioParse {
  return result(analyse(text, file, options.env ?? process.env, options.unsetEnv));
}

/** Checks the device-keys CSV a device-token URL target names: readable, well-formed, a key per device. */
async function checkDeviceKeys(a: Analysis, file: string): Promise<DeviceKeys | undefined> {
  const { product, target, fleet } = a.parts;
  if (!product?.deviceKeys || !a.locator) return undefined;
  const path = ['product', 'deviceKeys'];
  const at = { file, ...a.locator.locate(path), path: formatPath(path) };
  if (product.tokenLevel !== 'device' || target?.url === 'embedded') {
    a.warnings.push({
      ...at,
      severity: 'warning',
      message: 'is used only for device-level tokens against a URL target; ignored',
    });
    return undefined;
  }
  const csv = await loadDeviceKeys(file, product.deviceKeys);
  if (csv.unreadable) {
    a.problems.push({ ...at, severity: 'error', message: `cannot read ${csv.file} (${csv.unreadable})` });
    return undefined;
  }
  a.problems.push(...csv.problems);
  if (!fleet || csv.problems.length > 0) return csv.keys;
  const missing: string[] = [];
  for (let i = 1; i <= fleet.count; i++) {
    const name = deviceName(fleet.namePattern, i);
    if (!(name in csv.keys)) missing.push(name);
  }
  if (missing.length > 0) {
    a.problems.push({
      ...at,
      severity: 'error',
      rule: 'device-keys-cover-fleet',
      message: `${csv.file} has no key for ${missing.length} of ${fleet.count} devices (first: ${missing[0]})`,
    });
  }
  return csv.keys;
}

/**
 * Reads, parses and validates a scenario file and the device keys it names. Invalid content is
 * `ok: false` with every problem; an unreadable file throws ERR_SCENARIO_NOT_FOUND.
 */
export async function loadScenario(
  file: string,
  options: ScenarioParseOptions = {},
): Promise<LoadedScenario> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new OtaFleetError('ERR_SCENARIO_NOT_FOUND', `cannot read scenario file ${file} (${reason})`);
  }
  const a = analyse(source, file, options.env ?? process.env, options.unsetEnv);
  const deviceKeys = await checkDeviceKeys(a, file);
  const parse = result(a);
  return parse.ok && deviceKeys ? { ...parse, file, source, deviceKeys } : { ...parse, file, source };
}
