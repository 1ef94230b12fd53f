// The part of the npm `tftp` package netboot uses (it ships no types).
// Its client module alone: the package index also pulls in the server, which
// netboot never runs (a third of the package's bundled size).
declare module 'tftp/lib/client' {
  import type { Readable } from 'node:stream';
  class Client {
    constructor(options: { host: string; port?: number; retries?: number; timeout?: number; blockSize?: number; windowSize?: number });
    createGetStream(remote: string, options?: { md5?: string; sha1?: string }): Readable;
  }
  export = Client;
}
