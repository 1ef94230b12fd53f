// Character classes of uci's util.c, in the C locale uci runs in: anything
// outside ASCII is neither alphanumeric nor printable there.

const NAME = /^[A-Za-z0-9_]+$/;
const PACKAGE = /^[A-Za-z0-9_-]+$/;
const TYPE = /^[\x21-\x7e]+$/;

/** Section and option names. */
export function isUciName(s: string): boolean {
  return NAME.test(s);
}

export function isUciPackageName(s: string): boolean {
  return PACKAGE.test(s);
}

export function isUciType(s: string): boolean {
  return TYPE.test(s);
}

/** uci's djbhash: 32-bit unsigned arithmetic, masked to 31 bits at the end. */
function djbHash(s: string): number {
  let hash = 5381;
  for (let i = 0; i < s.length; i++) hash = (Math.imul(hash, 33) + s.charCodeAt(i)) >>> 0;
  return hash & 0x7fffffff;
}

/**
 * The name uci gives the `index`-th section (1-based, counting every section
 * created so far, named or not). uci hashes the type and the options, but
 * while parsing it names the section before any option is read, so only the
 * type counts. The hash needs ASCII input (as types are): uci adds C `char`s,
 * which are signed on some targets.
 */
export function anonymousName(index: number, type: string): string {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  return `cfg${hex(index, 2)}${hex(djbHash(type) % 0x10000, 4)}`;
}
