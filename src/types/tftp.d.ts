// The part of the npm `tftp` package netboot uses (it ships no types).
declare module 'tftp' {
  import type { Readable } from 'node:stream';
  interface Client {
    createGetStream(remote: string, options?: { md5?: string; sha1?: string }): Readable;
  }
  export function createClient(options: { host: string; port?: number; retries?: number; timeout?: number; blockSize?: number; windowSize?: number }): Client;
}
