// Reads one UCI section's options, records a netboot.SECTION.OPTION problem for
// every bad value, and afterwards reports the options nobody asked for (a typo
// like `titel` should not be silently ignored).

import type { UciSection } from '../uci';
import { textProblem } from '../ipxe/escape';
import { checkBool, type Checked } from './values';
import type { Problem } from './model';

export class SectionReader {
  private readonly seen = new Set<string>();
  private errors = 0;

  /** `label` is how uci shows the section: its name, or @type[N] when anonymous. */
  constructor(
    private readonly pkg: string,
    readonly section: UciSection,
    private readonly label: string,
    private readonly sink: Problem[],
  ) {}

  where(option?: string): string {
    return option ? `${this.pkg}.${this.label}.${option}` : `${this.pkg}.${this.label}`;
  }

  error(option: string | undefined, message: string): void {
    this.errors++;
    this.sink.push({ where: this.where(option), message });
  }

  errorCount(): number {
    return this.errors;
  }

  /** A single value; a `list` here is an error. Empty strings count as unset, as in uci. */
  raw(option: string): string | undefined {
    this.seen.add(option);
    const v = this.section.options.get(option);
    if (Array.isArray(v)) {
      this.error(option, `must be a single "option", not a "list"`);
      return undefined;
    }
    return v === '' ? undefined : v;
  }

  /** A list; a single `option` counts as a list of one, as uci's config_get does. */
  rawList(option: string): string[] {
    this.seen.add(option);
    const v = this.section.options.get(option);
    if (v === undefined) return [];
    return (Array.isArray(v) ? v : [v]).filter((x) => x !== '');
  }

  /** A value run through a check; the default when unset; undefined (and an error) when bad. */
  checked<T>(option: string, check: (s: string) => Checked<T>): T | undefined;
  checked<T>(option: string, check: (s: string) => Checked<T>, fallback: T): T;
  checked<T>(option: string, check: (s: string) => Checked<T>, fallback?: T): T | undefined {
    const v = this.raw(option);
    if (v === undefined) return fallback;
    return this.apply(option, v, check);
  }

  apply<T>(option: string, value: string, check: (s: string) => Checked<T>): T | undefined {
    const c = check(value);
    if (c.ok) return c.value;
    this.error(option, `${JSON.stringify(value)} is not allowed; use ${c.allowed}`);
    return undefined;
  }

  bool(option: string, fallback: boolean): boolean {
    return this.checked(option, checkBool, fallback);
  }

  /** Text that will be written into an iPXE script. */
  text(option: string): string | undefined {
    const v = this.raw(option);
    return v === undefined ? undefined : this.safeText(option, v);
  }

  safeText(option: string, value: string): string | undefined {
    const p = textProblem(value);
    if (!p) return value;
    this.error(option, `${JSON.stringify(value)} ${p}`);
    return undefined;
  }

  /** Options present in the file that no reader asked for. */
  unread(): string[] {
    return [...this.section.options.keys()].filter((k) => !this.seen.has(k));
  }
}
