// A Wire over node's TCP socket (platform.net: only node has sockets). Bytes
// queue as they arrive; read() takes what is there or waits, at most its
// time; a closed or failed socket ends every read with the reason.

import type { Socket } from 'node:net';
import { platform } from '../platform';
import { IscsiError } from './errors';
import type { Wire } from './session';

export function connectWire(host: string, port: number, timeoutMs: number): Promise<Wire> {
  const { net } = platform.net!;
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new IscsiError('unreachable', `no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    sock.once('error', (e) => {
      clearTimeout(timer);
      reject(new IscsiError('unreachable', e.message));
    });
    sock.once('connect', () => {
      clearTimeout(timer);
      resolve(socketWire(sock));
    });
  });
}

function socketWire(sock: Socket): Wire {
  const queue: Uint8Array[] = [];
  let ended: IscsiError | undefined;
  let waiting: (() => void) | undefined;
  const wake = () => {
    waiting?.();
    waiting = undefined;
  };
  sock.setNoDelay(true);
  sock.on('data', (b: Uint8Array) => {
    queue.push(b);
    wake();
  });
  sock.on('error', (e) => {
    ended ??= new IscsiError('connection', `broke the connection (${e.message})`);
    wake();
  });
  sock.on('close', () => {
    ended ??= new IscsiError('connection', 'closed the connection');
    wake();
  });
  return {
    send(bytes) {
      if (!sock.destroyed) sock.write(bytes);
    },
    read(timeoutMs) {
      if (queue.length) return Promise.resolve(queue.shift()!);
      if (ended) return Promise.reject(ended);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting = undefined;
          reject(new IscsiError('timeout', `no answer within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        waiting = () => {
          clearTimeout(timer);
          if (queue.length) resolve(queue.shift()!);
          else reject(ended);
        };
      });
    },
    close() {
      sock.destroy();
    },
  };
}
