// `--root DIR` makes the whole program run off-router on a folder laid out like
// one: /etc/config/netboot is read from DIR/etc/config/netboot, the TFTP root
// /srv/tftp is written at DIR/srv/tftp.

import { isErrno, platform } from '../platform';
import { join, resolve } from './path';

export class RouterRoot {
  readonly dir: string;

  constructor(dir = '/') {
    this.dir = resolve(platform.cwd(), dir);
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
    return readIfThere(this.configPath(name));
  }
}

/** A file's text, or undefined when there is no such file. */
export function readIfThere(path: string): string | undefined {
  try {
    return platform.readText(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return undefined;
    throw e;
  }
}
