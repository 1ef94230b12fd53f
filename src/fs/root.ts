// `--root DIR` makes the whole program run off-router on a folder laid out like
// one: /etc/config/netboot is read from DIR/etc/config/netboot, the TFTP root
// /srv/tftp is written at DIR/srv/tftp.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export class RouterRoot {
  readonly dir: string;

  constructor(dir = '/') {
    this.dir = resolve(dir);
  }

  /** The real location of an absolute router path. */
  path(routerPath: string): string {
    return join(this.dir, routerPath);
  }

  configPath(name: string): string {
    return this.path(`/etc/config/${name}`);
  }

  /** A UCI file's text, or undefined when the router has no such config. */
  readConfig(name: string): string | undefined {
    try {
      return readFileSync(this.configPath(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }
}
