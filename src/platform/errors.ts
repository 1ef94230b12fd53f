// One error shape for both engines, so a failed file operation reads the same
// under node and qjs: "open /srv/tftp/x: Permission denied". The text is
// musl's strerror() (src/errno/__strerror.h), what qjs prints on the router;
// node's own texts (libuv's) differ, so node's codes are looked up here.

export const ERROR_TEXT: Record<string, string> = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ESRCH: 'No such process',
  EINTR: 'Interrupted system call',
  EIO: 'I/O error',
  ENXIO: 'No such device or address',
  E2BIG: 'Argument list too long',
  ENOEXEC: 'Exec format error',
  EBADF: 'Bad file descriptor',
  ECHILD: 'No child process',
  EAGAIN: 'Resource temporarily unavailable',
  ENOMEM: 'Out of memory',
  EACCES: 'Permission denied',
  EBUSY: 'Resource busy',
  EEXIST: 'File exists',
  EXDEV: 'Cross-device link',
  ENODEV: 'No such device',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EINVAL: 'Invalid argument',
  ENFILE: 'Too many open files in system',
  EMFILE: 'No file descriptors available',
  ETXTBSY: 'Text file busy',
  EFBIG: 'File too large',
  ENOSPC: 'No space left on device',
  EROFS: 'Read-only file system',
  EMLINK: 'Too many links',
  EPIPE: 'Broken pipe',
  ENAMETOOLONG: 'Filename too long',
  ENOSYS: 'Function not implemented',
  ENOTEMPTY: 'Directory not empty',
  ELOOP: 'Symbolic link loop',
  EDQUOT: 'Quota exceeded',
};

export class PlatformError extends Error {
  /** The errno name, e.g. ENOENT. */
  readonly code: string;

  constructor(code: string, operation: string, path: string, text = ERROR_TEXT[code] ?? code) {
    super(`${operation} ${path}: ${text}`);
    this.name = 'PlatformError';
    this.code = code;
  }
}

export const isErrno = (e: unknown, code: string): boolean => e instanceof PlatformError && e.code === code;
