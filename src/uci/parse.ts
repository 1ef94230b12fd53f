import { anonymousName, isUciName, isUciPackageName, isUciType } from './names';
import { UciParseError, type UciPackage, type UciSection, type UciValue } from './types';

/*
 * uci does not tokenize a file up front: it reads one line into a buffer,
 * writes NUL bytes into that buffer as it splits words, and appends further
 * lines to it when a quote or a trailing backslash asks for more. Several of
 * its observable quirks come from that (see the tests), for example
 * `option a b; option c d` drops the second command while `option a 'b';
 * option c d` keeps it, because the `;` is overwritten only when the word
 * before it was copied without shrinking. To read files exactly as uci does,
 * this parser keeps the same kind of buffer; everything else is its own.
 */

const NUL = '\0';
/** What ends a run of plain characters in a word: quotes, #, ;, backslash, C's isspace, NUL. */
const WORD_STOP = /["'#;\\\t\n\v\f\r \0]/g;
/** What ends a run of plain characters inside quotes. */
const QUOTED_STOP = { "'": /['\0]/g, '"': /["\\\0]/g };

// Lines uci reads as one plain command, or as nothing (blank, a comment): the
// keyword, a name or type, then a name or value unquoted or single-quoted on
// this line, and nothing else that could join, split or end a command. The
// character classes are the ones uci accepts (names: alphanumerics and "_";
// types: printable ASCII), less quotes, "#", ";" and backslashes.
const PLAIN_OPTION = /^[\t ]*(option|list)[\t ]+([A-Za-z0-9_]+)(?:[\t ]+(?:'([^'\n]*)'|([\x21\x24-\x26\x28-\x3a\x3c-\x5b\x5d-\x7e]+)))?[\t ]*\n?$/;
const PLAIN_CONFIG = /^[\t ]*config[\t ]+([\x21\x24-\x26\x28-\x3a\x3c-\x5b\x5d-\x7e]+)(?:[\t ]+(?:'([A-Za-z0-9_]*)'|([A-Za-z0-9_]+)))?[\t ]*\n?$/;
const PLAIN_NOTHING = /^[\t\v\f\r ]*(?:#[^\n]*)?\n?$/;

/** C `isspace` in the C locale. */
function isSpace(c: string): boolean {
  return c === ' ' || (c >= '\t' && c <= '\r');
}

/** A word separator for `strtok(…, " \t")`, which finds the command keyword. */
function isKeywordDelimiter(c: string): boolean {
  return c === ' ' || c === '\t';
}

type Keyword = 'package' | 'config' | 'option' | 'list';
const KEYWORDS = new Map<string, Keyword>();
for (const k of ['package', 'config', 'option', 'list'] as const) {
  KEYWORDS.set(k, k);
  KEYWORDS.set(k[0]!, k);
}

/** The physical lines of the text the way `fgets` returns them. */
interface SourceLine {
  start: number;
  text: string;
}

function splitLines(text: string): SourceLine[] {
  const lines: SourceLine[] = [];
  for (let start = 0; start < text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    lines.push({ start, text: text.slice(start, end) });
    start = end;
  }
  return lines;
}

/**
 * The growing line buffer uci parses in. A string, with where each line read
 * into it came from: a character per array element cost too much under
 * QuickJS, which has no JIT.
 */
class LineBuffer {
  private text = '';
  /** For each line in the buffer: where it starts in the buffer, and in the source. */
  private starts: number[] = [];
  private origins: number[] = [];
  private nextLine = 0;
  /** Like uci's `buf_filled`: it does not shrink when a read hits the end of the file. */
  filled = 0;
  pos = 0;
  /** Source offset just after the last line read. */
  consumed = 0;

  constructor(private readonly lines: readonly SourceLine[]) {}

  get more(): boolean {
    return this.nextLine < this.lines.length;
  }

  /** The next source line, not yet read. */
  peek(): SourceLine {
    return this.lines[this.nextLine]!;
  }

  /** Passes over the next line without reading it into the buffer. */
  skip(): void {
    const line = this.lines[this.nextLine++]!;
    this.consumed = line.start + line.text.length;
  }

  at(i: number): string {
    return i < this.text.length ? this.text[i]! : NUL;
  }

  get cur(): string {
    return this.at(this.pos);
  }

  slice(from: number, to: number): string {
    return this.text.slice(from, to);
  }

  cut(i: number): void {
    if (i < this.text.length) this.text = `${this.text.slice(0, i)}${NUL}${this.text.slice(i + 1)}`;
  }

  /** Read the next source line into the buffer at `at` (never past its end), replacing what follows. */
  fill(at: number): void {
    this.text = this.text.slice(0, at);
    while (this.starts.length && this.starts[this.starts.length - 1]! >= at) {
      this.starts.pop();
      this.origins.pop();
    }
    const line = this.lines[this.nextLine];
    if (!line) return;
    this.nextLine++;
    this.starts.push(this.text.length);
    this.origins.push(line.start);
    this.text += line.text;
    this.filled = this.text.length;
    this.consumed = line.start + line.text.length;
  }

  sourceOffset(i: number): number {
    if (i >= this.text.length) return this.consumed;
    let k = this.starts.length - 1;
    while (this.starts[k]! > i) k--;
    return this.origins[k]! + (i - this.starts[k]!);
  }

  /** From `from`, the longest run of characters not in `stop`. */
  run(from: number, stop: RegExp): string {
    stop.lastIndex = from;
    const m = stop.exec(this.text);
    return this.text.slice(from, m ? m.index : this.text.length);
  }
}

/** A line holding commands of more than one section, or a `package` command. */
const SHARED = Symbol('shared');
type LineOwner = UciSection | typeof SHARED;

/** Where a section's commands are, in logical lines (one `fill(0)` and its continuations). */
interface Extent {
  first: number;
  last: number;
  blocks: number;
}

class Parser {
  private readonly buf: LineBuffer;
  private readonly lineStarts: number[];
  readonly sections: UciSection[] = [];
  private readonly byName = new Map<string, UciSection>();
  /** uci's `n_section`: every section created so far, named or not. */
  private created = 0;
  private current: UciSection | undefined;
  private logicalLine = -1;
  private readonly logicalStarts: number[] = [];
  private readonly logicalEnds: number[] = [];
  private readonly owners: (LineOwner | undefined)[] = [];
  private readonly extents = new Map<UciSection, Extent>();

  constructor(
    private readonly text: string,
    private readonly packageName: string,
  ) {
    const lines = splitLines(text);
    this.lineStarts = lines.map((l) => l.start);
    this.buf = new LineBuffer(lines);
  }

  run(): void {
    const nul = this.text.indexOf(NUL);
    if (nul >= 0) this.failAtOffset(nul, 'NUL character');
    const b = this.buf;
    while (b.more) {
      this.logicalLine++;
      if (this.plainLine()) continue;
      b.pos = 0;
      b.fill(0);
      this.logicalStarts.push(b.sourceOffset(0));
      this.parseLine();
      this.logicalEnds.push(b.consumed);
    }
    for (const [s, e] of this.extents) {
      if (e.blocks === 1 && this.owners[e.first] === s && this.owners[e.last] === s)
        s.span = { start: this.logicalStarts[e.first]!, end: this.logicalEnds[e.last]! };
    }
  }

  /**
   * Most lines are one plain command (`option name 'value'`) or blank or a
   * comment: read with one match, where the buffer machinery below costs a
   * QuickJS router dozens of calls per line. Anything else, and anything the
   * command would refuse, goes the faithful way.
   */
  private plainLine(): boolean {
    const line = this.buf.peek();
    let m: RegExpExecArray | null;
    let run: () => void;
    if ((m = PLAIN_OPTION.exec(line.text))) {
      if (!this.current) return false;
      const [, keyword, name, quoted, bare] = m;
      run = () => this.addOption(name!, quoted ?? bare ?? '', keyword === 'list');
    } else if ((m = PLAIN_CONFIG.exec(line.text))) {
      const [, type, quoted, bare] = m;
      const name = quoted ?? bare ?? '';
      const clash = name ? this.byName.get(name) : undefined;
      if (clash && clash.type !== type) return false;
      run = () => this.openSection(type!, name);
    } else if (PLAIN_NOTHING.test(line.text)) run = () => undefined;
    else return false;
    this.logicalStarts.push(line.start);
    this.buf.skip();
    run();
    this.logicalEnds.push(this.buf.consumed);
    return true;
  }

  private failAtOffset(offset: number, reason: string): never {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = this.lineStarts[lo] ?? 0;
    throw new UciParseError(this.packageName, lo + 1, offset - lineStart + 1, reason);
  }

  private fail(reason: string, at = this.buf.pos): never {
    this.failAtOffset(this.buf.sourceOffset(at), reason);
  }

  private own(owner: LineOwner): void {
    const prev = this.owners[this.logicalLine];
    this.owners[this.logicalLine] = prev === undefined || prev === owner ? owner : SHARED;
  }

  private skipSpace(): void {
    const b = this.buf;
    while (isSpace(b.cur)) b.pos++;
  }

  /**
   * At a backslash outside single quotes: step over it. A backslash ending the
   * line joins the next line in its place; then there is nothing to copy.
   */
  private escapeKeepsChar(): boolean {
    const b = this.buf;
    b.pos++;
    const c = b.cur;
    if (c === NUL || c === '\n' || (c === '\r' && b.at(b.pos + 1) === '\n' && b.at(b.pos + 2) === NUL)) {
      b.fill(b.pos);
      return false;
    }
    return true;
  }

  private quoted(quote: "'" | '"', out: string[]): void {
    const b = this.buf;
    const open = b.pos;
    b.pos++;
    for (;;) {
      const c = b.cur;
      if (c === quote) {
        b.pos++;
        return;
      }
      if (c === NUL) {
        // The newline before this point is part of the value: quotes span lines.
        b.fill(b.pos);
        if (b.cur === NUL) this.fail(`EOF with unterminated ${quote}`, open);
      } else if (c === '\\' && quote === '"') {
        if (this.escapeKeepsChar()) {
          out.push(b.cur);
          b.pos++;
        }
      } else {
        const plain = b.run(b.pos, QUOTED_STOP[quote]);
        out.push(plain);
        b.pos += plain.length;
      }
    }
  }

  /** One argument: quoted and unquoted pieces up to whitespace, `;`, `#` or the end. */
  private word(): string {
    const b = this.buf;
    const start = b.pos;
    const out: string[] = [];
    let atSemicolon = false;
    scan: do {
      const c = b.cur;
      switch (c) {
        case "'":
        case '"':
          this.quoted(c, out);
          break;
        case '#':
          b.cut(b.pos);
          break scan;
        case NUL:
          break scan;
        case ';':
          atSemicolon = true;
          break scan;
        case '\\':
          // After a joined line uci re-checks for whitespace before reading on.
          if (!this.escapeKeepsChar()) continue;
          out.push(b.cur);
          b.pos++;
          break;
        default: {
          // Plain characters up to the next one that means something here.
          const plain = b.run(b.pos, WORD_STOP);
          out.push(plain);
          b.pos += plain.length;
        }
      }
    } while (b.cur !== NUL && !isSpace(b.cur));
    if (!atSemicolon) {
      if (b.cur !== NUL) b.pos++;
    } else if (start + out.join('').length === b.pos) {
      // uci NUL-terminates the word in place; here that lands on the `;`,
      // which hides the rest of the line.
      b.cut(b.pos);
    }
    return out.join('');
  }

  private arg(required: boolean, isValid?: (s: string) => boolean): string {
    const b = this.buf;
    this.skipSpace();
    const start = b.pos;
    let value = '';
    if (b.cur === ';') {
      b.cut(b.pos);
      b.pos++;
    } else {
      value = this.word();
    }
    if (!value) {
      if (required) this.fail('insufficient arguments');
      return '';
    }
    if (isValid && !isValid(value)) this.fail('invalid character in name field', start);
    return value;
  }

  private endOfCommand(): void {
    this.skipSpace();
    const start = this.buf.pos;
    if (this.arg(false)) this.fail('too many arguments', start);
  }

  private parseLine(): void {
    const b = this.buf;
    this.skipSpace();
    for (;;) {
      let start = b.pos;
      while (isKeywordDelimiter(b.at(start))) start++;
      if (b.at(start) === NUL) return;
      let end = start;
      while (b.at(end) !== NUL && !isKeywordDelimiter(b.at(end))) end++;
      const word = b.slice(start, end);
      b.cut(end);
      if (word.startsWith('#')) return;
      const keyword = KEYWORDS.get(word);
      if (!keyword) this.fail('invalid command', start);
      if (keyword === 'option' || keyword === 'list') {
        if (!this.current) this.fail('option/list command found before the first section', start);
      }
      // The keyword must be followed by something, even if only the newline.
      if (end >= b.filled) this.fail(`${keyword === 'list' ? 'option' : keyword} without name`, start);
      b.pos = end + 1;
      if (keyword === 'package') this.packageCommand();
      else if (keyword === 'config') this.configCommand();
      else this.optionCommand(keyword === 'list');
    }
  }

  /** A file loaded under a name keeps that name: uci checks the statement, then ignores it. */
  private packageCommand(): void {
    this.arg(true, isUciPackageName);
    this.endOfCommand();
    this.own(SHARED);
  }

  private configCommand(): void {
    const typeStart = this.buf.pos;
    const type = this.arg(true);
    if (!isUciType(type)) this.fail('invalid character in type field', typeStart);
    const name = this.arg(false, isUciName);
    this.endOfCommand();
    const existing = name ? this.byName.get(name) : undefined;
    if (existing && existing.type !== type) this.fail('section of different type overwrites prior section with same name', typeStart);
    this.openSection(type, name);
  }

  /** `config TYPE [NAME]`, checked: a new section, or more of an existing one. */
  private openSection(type: string, name: string): void {
    const existing = name ? this.byName.get(name) : undefined;
    if (existing) {
      this.extents.get(existing)!.blocks++;
      this.current = existing;
    } else {
      this.created++;
      const section: UciSection = {
        type,
        name: name || anonymousName(this.created, type),
        anonymous: !name,
        options: new Map(),
      };
      this.sections.push(section);
      // uci looks sections up by the first match, generated names included.
      if (!this.byName.has(section.name)) this.byName.set(section.name, section);
      this.extents.set(section, { first: this.logicalLine, last: this.logicalLine, blocks: 1 });
      this.current = section;
    }
    this.own(this.current);
  }

  private optionCommand(isList: boolean): void {
    const name = this.arg(true, isUciName);
    const value = this.arg(false);
    this.endOfCommand();
    this.addOption(name, value, isList);
  }

  /** `option NAME VALUE` or `list NAME VALUE` in the current section, checked. */
  private addOption(name: string, value: string, isList: boolean): void {
    const section = this.current!;
    this.extents.get(section)!.last = this.logicalLine;
    this.own(section);
    setValue(section.options, name, value, isList);
  }
}

/**
 * uci's merge rules (list.c): a `list` after an `option` turns it into a list
 * holding the old value first; an `option` after a `list` replaces it; an
 * `option` with an empty value is ignored (it neither sets nor deletes), while
 * a `list` accepts empty items. A Map keeps the first position on replacement,
 * as uci does.
 */
function setValue(options: Map<string, UciValue>, name: string, value: string, isList: boolean): void {
  const old = options.get(name);
  if (!isList) {
    if (value) options.set(name, value);
  } else if (old === undefined) {
    options.set(name, [value]);
  } else if (typeof old === 'string') {
    options.set(name, [old, value]);
  } else {
    old.push(value);
  }
}

/**
 * Read a config file as `uci` loads `/etc/config/<packageName>` (strict mode,
 * the default): any problem uci reports is thrown as `UciParseError`.
 * A `package` statement inside the file is checked and ignored, as uci does.
 */
export function parseUci(text: string, packageName: string): UciPackage {
  if (!isUciPackageName(packageName)) throw new RangeError(`invalid uci package name: ${JSON.stringify(packageName)}`);
  const parser = new Parser(text, packageName);
  parser.run();
  return { name: packageName, sections: parser.sections };
}
