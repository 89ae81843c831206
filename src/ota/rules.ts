/** Field rules of spec §3 and §5: version strings, package names, descriptions and file names. */

const VERSION_RE = /^[A-Za-z0-9._-]{1,20}$/;
// CJK unified ideographs (basic + ext A), letters, digits, _ - . ( )
const PACKAGE_NAME_RE = /^[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9_\-.()]{1,20}$/u;

/** True for a valid `f_version`/`s_version`: 1–20 of `[A-Za-z0-9._-]`. */
export function isValidVersion(value: unknown): value is string {
  return typeof value === 'string' && VERSION_RE.test(value);
}

/** True for a valid package name: 1–20 CJK characters, letters, digits, `_ - . ( )`. */
export function isValidPackageName(value: unknown): value is string {
  return typeof value === 'string' && PACKAGE_NAME_RE.test(value);
}

/** True for a description of at most 100 characters (a CJK character counts as one). */
export function isValidDescription(value: unknown): value is string {
  return typeof value === 'string' && [...value].length <= 100;
}

/** True for a package file name ending in .zip, .rar or .bin, with no path parts. */
export function isValidPackageFileName(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 128 &&
    /^[A-Za-z0-9_\-.()\u3400-\u4dbf\u4e00-\u9fff]+\.(zip|rar|bin)$/iu.test(value) &&
    !value.includes('..')
  );
}
