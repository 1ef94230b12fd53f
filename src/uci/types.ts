/** A string is an `option`; an array is a `list` (one item per `list` line). */
export type UciValue = string | string[];

/** Half-open range of UTF-16 offsets into the parsed text. */
export interface UciSpan {
  start: number;
  end: number;
}

export interface UciSection {
  type: string;
  /** The real name, or uci's generated `cfgXXYYYY` for anonymous sections. */
  name: string;
  anonymous: boolean;
  /** Insertion order is file order, as in uci's option list. */
  options: Map<string, UciValue>;
  /**
   * Set by `parseUci` when the section's text can be cut out on its own: from
   * the start of the line holding `config` to just after the newline that ends
   * the line of its last `option`/`list` (or the `config` line itself).
   * Blank lines and comments after that line belong to the gap before the next
   * section, since they usually introduce it. Absent when the section is
   * written in more than one place (a name repeated further down) or shares a
   * line with another section or a `package` command (`;`).
   */
  span?: UciSpan;
}

export interface UciPackage {
  name: string;
  sections: UciSection[];
}

/** A file uci itself would refuse to load (it parses config files strictly). */
export class UciParseError extends Error {
  constructor(
    readonly packageName: string,
    /** 1-based line of the offending character. */
    readonly line: number,
    /** 1-based column (UTF-16 units) of the offending character. */
    readonly column: number,
    /** uci's own wording of the problem, e.g. `invalid character in name field`. */
    readonly reason: string,
  ) {
    super(`${packageName}: line ${line}, column ${column}: ${reason}`);
    this.name = 'UciParseError';
  }
}
