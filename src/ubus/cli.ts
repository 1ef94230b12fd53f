// ubus through OpenWrt's `ubus` command, for engines without sockets (qjs).
// From openwrt/ubus cli.c at 3cc98db: `ubus [-s SOCKET] -S -t SECONDS call
// OBJECT METHOD JSON`; -S prints the reply as one line of compact JSON (no
// line at all for a reply without data) and keeps stderr quiet; the exit
// status is the ubus status (UBUS_STATUS_*), 255 when ubusd cannot be reached
// (main() returns -1). The JSON goes in one argv word, never through a shell.

import { platform } from '../platform';
import type { BlobmsgInputTable, BlobmsgTable } from './blobmsg';
import { DEFAULT_TIMEOUT_MS, type RequestOptions } from './client';
import { UbusError, UbusStatus } from './status';

export class UbusCli {
  constructor(
    private readonly socket?: string,
    private readonly command = 'ubus',
  ) {}

  async call(path: string, method: string, args: BlobmsgInputTable = {}, options: RequestOptions = {}): Promise<BlobmsgTable> {
    const seconds = Math.max(1, Math.ceil((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000));
    const socket = this.socket ? ['-s', this.socket] : [];
    const r = platform.exec([this.command, ...socket, '-S', '-t', String(seconds), 'call', path, method, JSON.stringify(args)]);
    const operation = `call ${path} ${method}`;
    if (r.status === 127 && !r.stdout) throw new Error(`ubus ${operation}: the ubus command is missing (${this.command})`);
    if (r.status === 255) throw new UbusError(UbusStatus.CONNECTION_FAILED, operation);
    if (r.status !== 0) throw new UbusError(r.status, operation);
    const out = r.stdout.trim();
    return out ? (JSON.parse(out) as BlobmsgTable) : {};
  }

  close(): void {}
}
