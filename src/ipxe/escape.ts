// The one escaping layer between user text and iPXE scripts.
//
// iPXE has no quoting: a line is split on whitespace, `||` `&&` `;` words end a
// command, a word starting with `#` starts a comment, and every `${...}` is
// expanded again and again (so a value holding `${` injects). Since nothing can
// be escaped, netboot refuses such text instead. Validation calls the `*Problem`
// functions to name the bad option; the renderer calls the `assert*` ones so a
// bug elsewhere can never write an unsafe script.

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const SEPARATORS = new Set(['||', '&&', ';']);

export const NAME_RULE = 'letters, digits, "_", "." and "-", starting with a letter or digit';
export const TEXT_RULE =
  'printable ASCII without "${", without a word that starts with "#" or is "||", "&&" or ";", and not ending in "\\" or "$"';

/** Why `s` cannot be an iPXE label, item or file name, or undefined when it can. */
export function nameProblem(s: string): string | undefined {
  return NAME.test(s) ? undefined : `must be ${NAME_RULE}`;
}

/** Why `s` cannot appear in an iPXE script as words of text, or undefined when it can. */
export function textProblem(s: string): string | undefined {
  // One search, not a loop over characters: this runs for every value and line, and a QuickJS router has no JIT.
  const bad = /[^\x20-\x7e]/.exec(s);
  if (bad) return `must be ${TEXT_RULE}; found ${bad[0].charCodeAt(0) > 0x7e ? 'a non-ASCII' : 'a control'} character at position ${bad.index + 1}`;
  if (s.includes('${')) return `must be ${TEXT_RULE}; "\${" would be expanded by iPXE`;
  for (const word of s.split(' ')) {
    if (word.startsWith('#')) return `must be ${TEXT_RULE}; the word "${word}" would start a comment`;
    if (SEPARATORS.has(word)) return `must be ${TEXT_RULE}; the word "${word}" would end the command`;
  }
  // A trailing backslash joins the next script line; a trailing `$` could pair
  // with a `{` that follows it in a generated line.
  if (s.endsWith('\\')) return `must be ${TEXT_RULE}; a trailing "\\" joins the next line`;
  if (s.endsWith('$')) return `must be ${TEXT_RULE}; a trailing "$" may start an expansion`;
  return undefined;
}

export class UnsafeIpxeText extends Error {}

export function assertName(s: string): string {
  const p = nameProblem(s);
  if (p) throw new UnsafeIpxeText(`refusing to write ${JSON.stringify(s)} into an iPXE script: ${p}`);
  return s;
}

/** Text for an iPXE line. Whitespace runs collapse, as iPXE itself would collapse them. */
export function assertText(s: string): string {
  const p = textProblem(s);
  if (p) throw new UnsafeIpxeText(`refusing to write ${JSON.stringify(s)} into an iPXE script: ${p}`);
  return s.replace(/\s+/g, ' ').trim();
}

const SAFE = Symbol('safe');

/** A piece of an iPXE line that has passed this module's checks. */
export interface Safe {
  readonly [SAFE]: string;
}

const safe = (s: string): Safe => ({ [SAFE]: s });

/** A label, item or image name. */
export const name = (s: string): Safe => safe(assertName(s));
/** User text: titles, kernel arguments, URLs, secrets. */
export const text = (s: string): Safe => safe(assertText(s));
export const int = (n: number): Safe => {
  if (!Number.isSafeInteger(n) || n < 0) throw new UnsafeIpxeText(`refusing to write ${n} into an iPXE script: not a whole number`);
  return safe(String(n));
};
/**
 * User text holding netboot placeholders ({arch}, {mac}, {hostname}): the
 * whole text is checked as `text` checks it, then each placeholder in `refs`
 * becomes netboot's own words (an iPXE setting). The whole is what iPXE
 * splits into words (exec.c split_command, before it expands settings), so it
 * is what must be safe: a piece between placeholders may end in "\" or start
 * with "#" harmlessly, since the setting joins it to the same word.
 */
export const template = (s: string, refs: Record<string, string>): Safe =>
  safe(
    assertText(s)
      .split(/(\{[a-z]+\})/)
      .map((part) => (Object.hasOwn(refs, part) ? refs[part] : part))
      .join(''),
  );
/** netboot's own words (setting references like ${nb-arch}); never user text. */
export const own = (s: string): Safe => safe(s);
/** Words netboot composes itself from pieces that are already Safe. */
export const join = (parts: Safe[], sep = ' '): Safe => safe(parts.map((p) => p[SAFE]).join(sep));

/**
 * The only way to build a script line: the literal parts are netboot's own,
 * every interpolated value must be Safe, so raw user text cannot slip in.
 */
export function ipxe(strings: TemplateStringsArray, ...values: Safe[]): string {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'object' || v === null || !(SAFE in v)) throw new UnsafeIpxeText('an unchecked value reached an iPXE line');
    out += v[SAFE] + strings[i + 1];
  }
  return out;
}
