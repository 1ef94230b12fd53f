// What render must do to make the files on disk equal the desired ones. Pure.

export type FileAction = 'create' | 'update' | 'remove';

export interface FileChange {
  /** Relative to the TFTP root. */
  path: string;
  action: FileAction;
}

export interface FilePlan {
  changes: FileChange[];
  unchanged: number;
}

/** `current` holds every file now in netboot's folder; anything not desired goes. */
export function planFiles(desired: Map<string, string>, current: Map<string, string>): FilePlan {
  const changes: FileChange[] = [];
  let unchanged = 0;
  for (const [path, text] of desired) {
    const now = current.get(path);
    if (now === undefined) changes.push({ path, action: 'create' });
    else if (now !== text) changes.push({ path, action: 'update' });
    else unchanged++;
  }
  for (const path of current.keys()) if (!desired.has(path)) changes.push({ path, action: 'remove' });
  changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { changes, unchanged };
}
