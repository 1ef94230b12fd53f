// The parts of quickjs-libc (bellard/quickjs quickjs-libc.c, 2025-09-13) that
// src/platform/quickjs.ts uses, typed: the modules `std` and `os` that
// `qjs --std` makes global, and `scriptArgs`. README "Engines" lists the same
// calls so they can be checked against a real qjs.

/** A C FILE (JSSTDFile). */
export interface QjsFile {
  puts(text: string): void;
  flush(): void;
  readAsString(): string;
  /** Whether a read or write failed (ferror). */
  error(): boolean;
  /** 0, or a negative value when fclose failed. */
  close(): number;
}

export interface QjsStd {
  readonly in: QjsFile;
  readonly out: QjsFile;
  readonly err: QjsFile;
  /** fopen(3); null on failure with errorObj.errno set. */
  open(path: string, mode: string, errorObj: { errno?: number }): QjsFile | null;
  getenv(name: string): string | undefined;
  strerror(errno: number): string;
  exit(code: number): never;
}

export interface QjsStat {
  mode: number;
  size: number;
  mtime: number;
}

export interface QjsExecOptions {
  block?: boolean;
  usePath?: boolean;
  stdin?: number;
  stdout?: number;
  stderr?: number;
}

/** Calls that return a number give 0 (or a count, or an fd) on success and -errno on failure; pairs give [value, errno]. */
export interface QjsOs {
  readonly O_RDONLY: number;
  readonly O_WRONLY: number;
  readonly O_CREAT: number;
  readonly O_EXCL: number;
  readonly O_TRUNC: number;
  readonly S_IFMT: number;
  readonly S_IFREG: number;
  readonly S_IFDIR: number;
  readonly S_IFLNK: number;
  readonly SIGSTOP: number;
  readonly WNOHANG: number;
  open(path: string, flags: number, mode?: number): number;
  close(fd: number): number;
  read(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  write(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  remove(path: string): number;
  rename(from: string, to: string): number;
  mkdir(path: string, mode?: number): number;
  readdir(path: string): [string[], number];
  lstat(path: string): [QjsStat, number];
  symlink(target: string, path: string): number;
  readlink(path: string): [string, number];
  getcwd(): [string, number];
  /** With block: false, the child's pid. With block: true, the exit status, or -N when signal N ended the child; 127 when it could not exec. */
  exec(argv: string[], options: QjsExecOptions): number;
  /** [pid, raw wait status]; [0, 0] with WNOHANG while the child runs. */
  waitpid(pid: number, options: number): [number, number];
  getpid(): number;
  kill(pid: number, signal: number): number;
  setTimeout(fn: () => void, ms: number): unknown;
  /** Blocks the whole process; only between polls of a child that has no timeout of its own. */
  sleep(ms: number): void;
  now(): number;
}
