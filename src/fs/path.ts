// POSIX path arithmetic, as node's path.posix does it (same results, trailing
// slashes included: test/engines.test.ts compares them), since quickjs has no
// path module. Pure: resolve() takes the working folder as an argument.

function normalizeParts(path: string, aboveRoot: boolean): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') out.push(part);
    else if (out.length && out[out.length - 1] !== '..') out.pop();
    else if (aboveRoot) out.push('..');
  }
  return out.join('/');
}

export function normalize(path: string): string {
  if (path === '') return '.';
  const absolute = path.startsWith('/');
  const trailing = path.endsWith('/');
  const body = normalizeParts(path, !absolute);
  if (body === '') return absolute ? '/' : trailing ? './' : '.';
  return `${absolute ? '/' : ''}${body}${trailing ? '/' : ''}`;
}

export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  return joined === '' ? '.' : normalize(joined);
}

/** An absolute path: `path` taken from `cwd` when relative; no trailing slash. */
export function resolve(cwd: string, path: string): string {
  const full = path.startsWith('/') ? path : `${cwd}/${path}`;
  return `/${normalizeParts(full, false)}`;
}

export function dirname(path: string): string {
  if (path === '') return '.';
  // The slash before the last name, trailing slashes skipped; node keeps the slashes before it.
  let end = -1;
  let inName = false;
  for (let i = path.length - 1; i >= 1; i--) {
    if (path[i] !== '/') inName = true;
    else if (inName) {
      end = i;
      break;
    }
  }
  if (end === -1) return path.startsWith('/') ? '/' : '.';
  return path.startsWith('/') && end === 1 ? '//' : path.slice(0, end);
}

export function basename(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === '/') end--;
  const trimmed = path.slice(0, end);
  return trimmed === '/' ? '' : trimmed.slice(trimmed.lastIndexOf('/') + 1);
}
