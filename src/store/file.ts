// Config as files under `--root DIR`: edited in place, every section the edit
// does not name left byte for byte as it was.

import { writeFileAtomic } from '../fs/atomic';
import type { RouterRoot } from '../fs/root';
import { platform } from '../platform';
import { editUci, parseUci, type UciPackage } from '../uci';
import type { StoreEdit, UciStore } from '.';

export class FileStore implements UciStore {
  readonly name: string;

  constructor(private readonly root: RouterRoot) {
    this.name = `files under ${root.configPath('')}`;
  }

  async read(config: string): Promise<UciPackage | undefined> {
    const text = this.root.readConfig(config);
    return text === undefined ? undefined : parseUci(text, config);
  }

  async write(config: string, edit: StoreEdit): Promise<void> {
    const path = this.root.configPath(config);
    const text = this.root.readConfig(config) ?? '';
    // Sections that must become last are cut out first and appended again by `set`.
    const cut = editUci(text, config, { remove: [...(edit.remove ?? []), ...(edit.last ?? [])], options: edit.options });
    const out = editUci(cut, config, { set: edit.set });
    if (out !== text) writeFileAtomic(path, out, (platform.stat(path)?.mode ?? 0o644) & 0o777);
  }

  close(): void {}
}
