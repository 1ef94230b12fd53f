import { parseUci } from './parse';
import type { UciSection, UciValue } from './types';
import { quoteUci, serializeSection } from './write';

export interface UciEdits {
  /** Named sections to write: replaced where they are, or appended if new. */
  set?: UciSection[];
  /** Names of sections to delete; names not in the file are ignored. */
  remove?: string[];
  /**
   * Single options to set (a string) or delete (undefined) in sections that
   * otherwise stay as they are, by section name (a generated cfgXXYYYY name
   * for an anonymous section). Only the lines of those options change.
   */
  options?: Record<string, Record<string, string | undefined>>;
}

/** Whitespace-only lines; each is a whole logical line to uci, so removing them cannot join others. */
const BLANK_LINES = /^(?:[ \t\v\f\r]*\n)*/;

function sameValue(a: UciValue, b: UciValue | undefined): boolean {
  if (typeof a === 'string' || typeof b !== 'object') return a === b;
  return a.length === b.length && a.every((item, i) => item === b[i]);
}

/** Equal as uci sees them; generated names are left out since they shift with position. */
function sameSection(a: UciSection, b: UciSection): boolean {
  return (
    a.type === b.type &&
    a.anonymous === b.anonymous &&
    (a.anonymous || a.name === b.name) &&
    a.options.size === b.options.size &&
    [...a.options].every(([k, v]) => sameValue(v, b.options.get(k)))
  );
}

/**
 * Change a few named sections of a file a person also edits, leaving every
 * other byte as it was: comments, blank lines, quoting and the other sections.
 * A replaced section keeps its place; a new one goes at the end after a blank
 * line; a removed one takes the blank lines after it along. Text is written in
 * the style of `uci commit`.
 *
 * Throws `UciParseError` if the file does not parse, and `RangeError` for
 * anonymous or duplicate sections in `set`, for a name in both `set` and
 * `remove`, and for a section whose text is not one block of its own (see
 * `UciSection.span`).
 */
export function editUci(text: string, packageName: string, edits: UciEdits): string {
  const before = parseUci(text, packageName);
  const byName = new Map<string, UciSection>();
  for (const s of before.sections) if (!byName.has(s.name)) byName.set(s.name, s);
  const set = edits.set ?? [];
  const remove = new Set(edits.remove ?? []);

  const replacements = new Map<UciSection, UciSection | undefined>();
  const cuts: { start: number; end: number; text: string }[] = [];
  const appended: UciSection[] = [];
  let tail = '';
  const spanOf = (s: UciSection) => {
    if (!s.span) throw new RangeError(`${packageName}.${s.name} is not one block of its own text; edit it by hand`);
    return s.span;
  };
  for (const s of set) {
    if (s.anonymous) throw new RangeError(`${packageName}: only named sections can be set, got an anonymous ${s.type}`);
    if (remove.has(s.name) || set.filter((t) => t.name === s.name).length > 1)
      throw new RangeError(`${packageName}.${s.name} is edited twice`);
    const old = byName.get(s.name);
    const written = serializeSection(s);
    // What uci will read back, e.g. without empty options.
    const expected = parseUci(written, packageName).sections[0]!;
    if (old) {
      replacements.set(old, expected);
      cuts.push({ ...spanOf(old), text: written });
    } else {
      appended.push(expected);
      tail += `\n${written}`;
    }
  }
  for (const name of remove) {
    const old = byName.get(name);
    if (!old) continue;
    replacements.set(old, undefined);
    const { start, end } = spanOf(old);
    cuts.push({ start, end: end + BLANK_LINES.exec(text.slice(end))![0].length, text: '' });
  }

  for (const [name, values] of Object.entries(edits.options ?? {})) {
    const old = byName.get(name);
    if (!old) throw new RangeError(`${packageName}.${name} does not exist`);
    if (replacements.has(old)) throw new RangeError(`${packageName}.${name} is edited twice`);
    const changed: UciSection = { ...old, options: new Map(old.options) };
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined || v === '') changed.options.delete(k);
      else changed.options.set(k, v);
    }
    replacements.set(old, parseUci(serializeSection(changed), packageName).sections[0]!);
    cuts.push(...optionCuts(text, spanOf(old), values));
  }

  let out = text;
  for (const cut of cuts.sort((a, b) => b.start - a.start)) out = out.slice(0, cut.start) + cut.text + out.slice(cut.end);
  // The file keeps its own ending (uci writes a blank line at the end), and a
  // removed last section takes the blank line that introduced it along, so
  // appending and then removing a section gives the file back byte for byte.
  const ending = (s: string) => /\n*$/.exec(s)![0].length;
  const keep = Math.max(ending(text), 1);
  if (ending(out) > keep) out = out.slice(0, out.length - ending(out) + keep);
  if (tail) {
    out = out ? `${out.slice(0, out.length - ending(out))}\n${tail}` : tail;
    out += '\n'.repeat(keep - 1);
  }

  // Odd text around an edit (a backslash at the end of the file, `;`) could
  // make uci read the result differently; never hand such a file back.
  const expected = before.sections.flatMap((s) => {
    const r = replacements.has(s) ? replacements.get(s) : s;
    return r ? [r] : [];
  });
  expected.push(...appended);
  const after = parseUci(out, packageName).sections;
  if (after.length !== expected.length || !after.every((s, i) => sameSection(s, expected[i]!)))
    throw new Error(`${packageName}: editing would change sections it was not asked to change`);
  return out;
}

/**
 * Line edits inside one section: an option written on one line of its own is
 * replaced or deleted there; a new one goes after the section's last line.
 * The caller re-reads the result, so an option written in an odd way (split
 * over lines, given twice) makes the edit fail rather than go wrong.
 */
function optionCuts(text: string, span: { start: number; end: number }, values: Record<string, string | undefined>) {
  const cuts: { start: number; end: number; text: string }[] = [];
  const body = text.slice(span.start, span.end);
  const indent = /\n([ \t]+)(?:option|list)\s/.exec(body)?.[1] ?? '\t';
  let appended = '';
  for (const [option, value] of Object.entries(values)) {
    const line = new RegExp(`^[ \\t]*option[ \\t]+${option}(?:[ \\t][^\\n]*)?(?:\\n|$)`, 'gm');
    const found = [...body.matchAll(line)];
    const written = value === undefined || value === '' ? '' : `${indent}option ${option} ${quoteUci(value)}\n`;
    if (found.length === 1) {
      const at = span.start + found[0]!.index!;
      cuts.push({ start: at, end: at + found[0]![0].length, text: written });
    } else appended += written;
  }
  if (appended) cuts.push({ start: span.end, end: span.end, text: text[span.end - 1] === '\n' || span.end === 0 ? appended : `\n${appended}` });
  return cuts;
}
