/** Bounds any user value echoed in a problem message, so a hostile file cannot print megabytes. */

/** Longest echo of a value in a problem message, in characters. */
export const MAX_ECHO = 60;

/** `text` cut to `max` characters with an ellipsis and the original length when cut. */
export function clip(text: string, max = MAX_ECHO): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length} characters)`;
}
