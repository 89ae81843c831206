/** "Did you mean --duration?": the nearest known flag to an unknown one, and the short usage hint. */

/** Edit distance of two strings (insertions, deletions, substitutions, adjacent swaps). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The known flag nearest to `flag` (kebab-case, no dashes), if one is close enough to be a typo. */
export function suggestFlag(flag: string, known: readonly string[]): string | undefined {
  const names = [...new Set(known.filter((k) => k.length > 1 && k !== '$0').map(kebab))];
  let best: { name: string; d: number } | undefined;
  for (const name of names) {
    const d = name.startsWith(flag) && flag.length >= 3 ? 0.5 : editDistance(flag, name);
    if (best === undefined || d < best.d) best = { name, d };
  }
  return best !== undefined && best.d <= Math.max(1, Math.floor(flag.length / 3)) ? best.name : undefined;
}

/**
 * For yargs' "Unknown argument(s): x, y" message: one line per unknown flag with a suggestion where
 * one is near, and a usage hint naming the command's --help. Undefined for any other message.
 */
export function unknownFlagMessage(
  msg: string,
  argv: readonly string[],
  known: readonly string[],
): string | undefined {
  const m = /^Unknown arguments?: (.+)$/.exec(msg);
  if (!m) return undefined;
  const command = argv.find((a) => !a.startsWith('-'));
  const lines = m[1]!.split(', ').map((name) => {
    const flag = name.replace(/^-+/, '');
    const shown = argv.find((a) => a.replace(/^-+/, '').split('=')[0] === flag) ?? `--${flag}`;
    const near = suggestFlag(flag, known);
    return `Unknown argument: ${shown.split('=')[0]}${near ? ` (did you mean --${near}?)` : ''}`;
  });
  const help = command ? `ota-fleet ${command} --help` : 'ota-fleet --help';
  return [
    ...lines,
    `Usage: ota-fleet ${command ?? '<command>'} [options]; run "${help}" for the options.`,
  ].join('\n');
}
