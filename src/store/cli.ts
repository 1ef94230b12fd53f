// Config through the `uci` command, for routers without ubus. Caveat (README):
// `uci commit PACKAGE` also commits changes other people left pending in
// /tmp/.uci/PACKAGE, which the rpcd store avoids.

import { run } from '../platform';
import { parseUci, quoteUci, type UciPackage } from '../uci';
import type { StoreEdit, UciStore } from '.';

export class UciCliStore implements UciStore {
  readonly name = 'uci command';

  /** `uci` is the command and its leading arguments (tests add `-c DIR`). */
  constructor(readonly uci: string[] = ['uci']) {}

  async read(config: string): Promise<UciPackage | undefined> {
    return parseUci(run([...this.uci, 'export', config]), config);
  }

  async write(config: string, edit: StoreEdit): Promise<void> {
    const have = new Map((await this.read(config))?.sections.map((s) => [s.name, s]));
    const last = edit.last ?? [];
    const lines: string[] = [];
    const target = (section: string, option?: string) => `${config}.${section}${option ? `.${option}` : ''}`;
    for (const name of [...(edit.remove ?? []), ...last]) if (have.has(name)) lines.push(`delete ${target(name)}`);
    for (const [section, options] of Object.entries(edit.options ?? {})) {
      for (const [k, v] of Object.entries(options)) lines.push(v === undefined ? `delete ${target(section, k)}` : `set ${target(section, k)}=${quoteUci(v)}`);
    }
    for (const s of edit.set ?? []) {
      // A section staying in place is rewritten option by option (uci appends re-added sections).
      const old = last.includes(s.name) ? undefined : have.get(s.name);
      lines.push(`set ${target(s.name)}=${s.type}`);
      for (const k of old?.options.keys() ?? []) lines.push(`delete ${target(s.name, k)}`);
      for (const [k, v] of s.options) {
        if (typeof v === 'string') lines.push(`set ${target(s.name, k)}=${quoteUci(v)}`);
        else for (const item of v) lines.push(`add_list ${target(s.name, k)}=${quoteUci(item)}`);
      }
    }
    lines.push(`commit ${config}`);
    run([...this.uci, 'batch'], `${lines.join('\n')}\n`);
  }

  close(): void {}
}
