// The engine boundary (docs/engines.md): everything netboot asks of the
// JavaScript engine it runs on, small and synchronous. src/platform/node.ts
// answers it with node's modules, src/platform/quickjs.ts with quickjs-libc's
// std and os; nothing outside this folder touches either.

export type FileKind = 'file' | 'dir' | 'link' | 'other';

export interface FileStat {
  kind: FileKind;
  /** Permission bits (mode & 0o7777). */
  mode: number;
  size: number;
  mtimeMs: number;
}

export interface ExecResult {
  /** The exit status; 128 + N when signal N ended it; 127 when it could not be started. */
  status: number;
  stdout: string;
  stderr: string;
}

/** What only node has (sockets, datagrams, TLS, hashing): absent under quickjs, so callers pick a router tool instead. */
export interface NodeNet {
  net: typeof import('node:net');
  http: typeof import('node:http');
  https: typeof import('node:https');
  crypto: typeof import('node:crypto');
  dgram: typeof import('node:dgram');
  /** The npm tftp package's client (a node-only dependency). */
  tftpClient: () => Promise<typeof import('tftp/lib/client')>;
}

export interface Platform {
  readonly engine: 'node' | 'quickjs';
  /** The command's arguments, without the engine and the script. */
  readonly argv: string[];
  readonly pid: number;
  env(name: string): string | undefined;
  cwd(): string;
  /** All of stdin (the rpcd plugin's arguments). */
  readStdin(): string;
  write(stream: 'stdout' | 'stderr', text: string): void;
  /** Ends the run with `code` once what was written has gone out. */
  exit(code: number): void;

  /** Files. Failures throw PlatformError (code ENOENT, EACCES, …). */
  readText(path: string): string;
  readBytes(path: string): Uint8Array;
  /** Creates or truncates `path` (mode for a new file) and writes it whole; not durable until flush(). */
  writeFile(path: string, data: string | Uint8Array, mode: number): void;
  rename(from: string, to: string): void;
  /** Removes a file; one that is not there is no error. */
  remove(path: string): void;
  /** Creates a folder and its missing parents. */
  mkdirp(path: string, mode?: number): void;
  /** The names in a folder (not . and ..), each with its kind; links are not followed. */
  readdir(path: string): { name: string; kind: FileKind }[];
  /** lstat(2); undefined when nothing is there. */
  stat(path: string): FileStat | undefined;
  /** Creates a symbolic link; EEXIST when `path` exists (an atomic, never empty, lock). */
  symlink(target: string, path: string): void;
  readlink(path: string): string;
  /**
   * Makes the given files and folders durable (fsync). node: each path;
   * quickjs-libc has no fsync: one `sync` for them all.
   */
  flush(paths: string[]): void;

  /**
   * Runs a program (PATH is searched) to its end; stdin is empty unless given.
   * After timeoutMs it is killed (SIGKILL, status 137): for router tools
   * that have no timeout of their own, such as busybox's nc.
   */
  exec(argv: string[], opts?: { stdin?: string; timeoutMs?: number }): ExecResult;
  /** Whether a process with this pid exists (it may belong to another user). */
  alive(pid: number): boolean;
  /** Sends this process SIGKILL or SIGSTOP (fault injection in tests). */
  killSelf(signal: 'SIGKILL' | 'SIGSTOP'): void;
  /** Resolves after `ms`; the event loop goes on meanwhile. */
  sleep(ms: number): Promise<void>;
  /** A monotonic clock in milliseconds, for durations. */
  now(): number;

  net?: NodeNet;
}
