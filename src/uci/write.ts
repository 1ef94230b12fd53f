import { isUciName, isUciType } from './names';
import type { UciPackage, UciSection } from './types';

/** uci's export quoting: single quotes, each `'` written as `'\''`. */
export function quoteUci(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/**
 * uci writes the type unquoted, so a type holding one of these would read back
 * as something else (or not at all); uci itself would write it anyway.
 */
const TYPE_NEEDS_QUOTES = /['"\\#;]/;

function check(ok: boolean, what: string, value: string): void {
  if (!ok) throw new RangeError(`uci cannot store ${what} ${JSON.stringify(value)}`);
}

/**
 * One section as `uci commit` writes it, without the blank line uci puts
 * before it. Options with an empty value and empty lists are left out: uci
 * cannot hold them (setting an option to '' deletes it), so a reader would
 * not see them either.
 */
export function serializeSection(section: UciSection): string {
  const { type, name } = section;
  check(isUciType(type) && !TYPE_NEEDS_QUOTES.test(type), 'the section type', type);
  if (!section.anonymous) check(isUciName(name), 'the section name', name);
  let out = `config ${type}${section.anonymous ? '' : ` ${quoteUci(name)}`}\n`;
  for (const [option, value] of section.options) {
    check(isUciName(option), `in section ${name} the option name`, option);
    const [keyword, items] = typeof value === 'string' ? ['option', value ? [value] : []] : ['list', value];
    for (const item of items) {
      // uci values are C strings.
      check(!item.includes('\0'), `in ${name}.${option} the value`, item);
      out += `\t${keyword} ${option} ${quoteUci(item)}\n`;
    }
  }
  return out;
}

/** The whole file exactly as `uci commit` writes it (uci_export without the `package` header). */
export function serializeUci(pkg: UciPackage): string {
  const named = new Set<string>();
  for (const s of pkg.sections) {
    if (s.anonymous) continue;
    // uci would read two sections of one name back as one.
    check(!named.has(s.name), 'a second section named', s.name);
    named.add(s.name);
  }
  return pkg.sections.map((s) => `\n${serializeSection(s)}`).join('') + '\n';
}
