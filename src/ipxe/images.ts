// The names iPXE registers an installer's images under. One image name holds
// one image: a second `initrd --name X` replaces the first (iPXE's
// register_image), and wimboot writes each injected file into WinPE under its
// image name. Validation and the renderer both take the names from here, so a
// config that validates never asks the renderer for a name it cannot write.

import type { InstallerSpec } from '../config/model';
import { nameProblem } from './escape';

/** The images every installer of a kind loads under fixed names. */
export function fixedImages(kind: InstallerSpec['kind']): string[] {
  switch (kind) {
    case 'linux':
    case 'debian-installer':
      return ['nb-kernel'];
    case 'windows':
      return ['wimboot', 'bootmgr', 'BCD', 'boot.sdi', 'boot.wim'];
    default:
      return [];
  }
}

/** An initrd's or injected file's image name: its file name, characters iPXE names cannot hold made "_". */
export const imageName = (url: string) => url.replace(/[?#].*$/, '').split('/').pop()?.replace(/[^A-Za-z0-9_.-]/g, '_') || 'file';

/**
 * Why the file at `url` cannot be loaded as one of an installer's images
 * beside `taken` (the names of the images before it), or undefined when it can.
 */
export function imageProblem(url: string, taken: string[]): string | undefined {
  const n = imageName(url);
  const p = nameProblem(n);
  if (p) return `its file name becomes the iPXE image name ${JSON.stringify(n)}, which ${p}`;
  if (taken.includes(n)) {
    return `its file name ${JSON.stringify(n)} is already the name of another image of this installer; iPXE keeps one image per name, so give each file its own name`;
  }
  return undefined;
}
