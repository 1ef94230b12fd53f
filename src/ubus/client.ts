// A ubus client speaking the ubusd socket protocol directly (no libubus, no
// `ubus` process), following libubus' behaviour where the wire leaves a choice.
//
// Requests are matched to replies by (seq, peer): ubusd answers LOOKUP and
// ADD_OBJECT with peer 0 and INVOKE with peer = the object id. Objects this
// client registers (addObject) receive INVOKEs and answer them with DATA then
// STATUS, unless NO_REPLY is set.

import type { Socket } from 'node:net';
import { nodeOnly } from '../platform';
import { BlobWriter, MAX_MESSAGE_BYTES } from './blob';
import { BlobmsgInputTable, BlobmsgTable, BlobmsgTypeName, blobmsgTypeId, decodeTable, putTable } from './blobmsg';
import { Attr, encodeMessage, FrameReader, Message, MsgType, parseMessage } from './message';
import { UbusError, UbusProtocolError, UbusStatus } from './status';

/** Where ubusd listens: the current path first, then the one used before October 2020. */
export const DEFAULT_SOCKET_PATHS: readonly string[] = ['/var/run/ubus/ubus.sock', '/var/run/ubus.sock'];

/** The `ubus` CLI's default -t. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export interface ConnectOptions {
  /** Socket path; when absent the DEFAULT_SOCKET_PATHS are tried in order. */
  path?: string;
  /** Limit for connecting and the default for every request. */
  timeoutMs?: number;
  /** Largest message accepted or sent (padded blob bytes); ubusd's own limit is 1 MiB. */
  maxMessageBytes?: number;
}

export interface RequestOptions {
  timeoutMs?: number;
}

/** Argument name → blobmsg type, as ADD_OBJECT announces it. */
export type MethodSignature = Record<string, BlobmsgTypeName>;

export interface InvokeContext {
  /** The object's path. */
  object: string;
  method: string;
  /** The caller's client id. */
  peer: number;
  /** The caller's user and group, which ubusd adds to forwarded calls. */
  user?: string;
  group?: string;
}

/**
 * Answers one method. The returned table is sent as DATA; returning nothing
 * sends only STATUS OK. Throwing a UbusError replies with its code, anything
 * else with UNKNOWN_ERROR.
 */
export type MethodHandler = (args: BlobmsgTable, ctx: InvokeContext) => BlobmsgInputTable | void | Promise<BlobmsgInputTable | void>;

export interface MethodSpec {
  handler: MethodHandler;
  /** Announced to callers (`ubus -v list`); ubusd does not enforce it, the handler must check its arguments. */
  signature?: MethodSignature;
}

/** An object registered on the bus. */
export interface UbusObject {
  readonly id: number;
  readonly path: string;
  remove(): Promise<void>;
}

interface Pending {
  op: string;
  timer: NodeJS.Timeout;
  onData: ((msg: Message) => void) | undefined;
  resolve: (status: Message) => void;
  reject: (err: Error) => void;
}

interface LocalObject {
  path: string;
  handler: (method: string) => MethodHandler | undefined;
}

// Requests are keyed by seq and peer in one number (16 + 32 bits fit exactly in a double).
const key = (seq: number, peer: number): number => seq * 0x1_0000_0000 + peer;

export class UbusClient {
  /** Settles when the connection ends: with the reason, or undefined after close(). */
  readonly closed: Promise<Error | undefined>;

  private readonly reader: FrameReader;
  private readonly pending = new Map<number, Pending>();
  private readonly objects = new Map<number, LocalObject>();
  // Object ids by path, so repeated calls skip the LOOKUP (see call()).
  private readonly ids = new Map<string, number>();
  private seq = 0;
  private ended: Error | undefined;
  private hello: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private resolveClosed!: (reason: Error | undefined) => void;

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    private readonly maxBytes: number,
  ) {
    this.reader = new FrameReader(maxBytes);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.on('data', (chunk: Buffer) => this.onChunk(chunk));
    socket.on('error', (err) => this.end(err));
    socket.on('close', () => this.end(new UbusError(UbusStatus.CONNECTION_FAILED, 'connection')));
  }

  /** Connects and waits for ubusd's HELLO. Rejects with a UbusError (CONNECTION_FAILED or TIMEOUT) whose cause is the socket error. */
  static async connect(options: ConnectOptions = {}): Promise<UbusClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxBytes = options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    const paths = options.path !== undefined ? [options.path] : DEFAULT_SOCKET_PATHS;
    let first: unknown;
    for (const path of paths) {
      try {
        return await UbusClient.open(path, timeoutMs, maxBytes);
      } catch (err) {
        first ??= err;
        // Only a missing or dead socket justifies trying the legacy path.
        const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
        if (code !== 'ENOENT' && code !== 'ECONNREFUSED') throw err;
      }
    }
    throw first;
  }

  private static open(path: string, timeoutMs: number, maxBytes: number): Promise<UbusClient> {
    const client = new UbusClient(nodeOnly('the native ubus client').net.createConnection(path), timeoutMs, maxBytes);
    const op = `connect ${path}`;
    return new Promise<UbusClient>((resolve, reject) => {
      const settle = (err?: Error): void => {
        clearTimeout(timer);
        client.hello = undefined;
        if (!err) return resolve(client);
        client.close();
        reject(err);
      };
      const timer = setTimeout(() => settle(new UbusError(UbusStatus.TIMEOUT, op)), timeoutMs);
      client.hello = {
        resolve: () => settle(),
        reject: (err) => settle(err instanceof UbusProtocolError ? err : new UbusError(UbusStatus.CONNECTION_FAILED, op, err)),
      };
    });
  }

  /** Closes the connection; pending requests reject with CONNECTION_FAILED. */
  close(): void {
    this.end(undefined);
  }

  /**
   * Calls a method, as `ubus call` does, and returns the first DATA reply
   * ({} when the method sends none). Rejects with a UbusError naming the
   * object and method for any status but OK, including TIMEOUT.
   */
  async call(path: string, method: string, args: BlobmsgInputTable = {}, options: RequestOptions = {}): Promise<BlobmsgTable> {
    const op = `call ${path} ${method}`;
    const deadline = Date.now() + (options.timeoutMs ?? this.timeoutMs);
    const left = (): number => Math.max(1, deadline - Date.now());
    const cached = this.ids.get(path);
    let id = cached ?? (await this.lookupId(path, op, left()));
    let reply = await this.invoke(id, method, args, op, left());
    // ubusd itself answers NOT_FOUND, without OBJID, when the id is gone
    // (the object's process restarted): look the path up again and retry
    // once. An object's own NOT_FOUND carries OBJID and is final.
    if (cached !== undefined && reply.status.status === UbusStatus.NOT_FOUND && reply.status.objid === undefined) {
      this.ids.delete(path);
      id = await this.lookupId(path, op, left());
      reply = await this.invoke(id, method, args, op, left());
    }
    const code = reply.status.status ?? UbusStatus.INVALID_ARGUMENT;
    if (code !== UbusStatus.OK) throw new UbusError(code, op);
    return reply.data ?? {};
  }

  /** Registers an object whose methods answer calls from other clients. */
  async addObject(path: string, methods: Record<string, MethodSpec>): Promise<UbusObject> {
    const signature: Record<string, BlobmsgInputTable> = {};
    for (const [name, spec] of Object.entries(methods)) {
      const args: BlobmsgInputTable = {};
      for (const [arg, type] of Object.entries(spec.signature ?? {})) args[arg] = blobmsgTypeId(type);
      signature[name] = args;
    }
    const local: LocalObject = { path, handler: (method) => (Object.hasOwn(methods, method) ? methods[method]!.handler : undefined) };
    const op = `add_object ${path}`;
    let id: number | undefined;
    await this.transact(
      MsgType.ADD_OBJECT,
      0,
      (w) => {
        w.putString(Attr.OBJPATH, path);
        putTable(w, Attr.SIGNATURE, signature);
      },
      op,
      this.timeoutMs,
      (msg) => {
        if (id !== undefined || msg.objid === undefined) return;
        id = msg.objid;
        this.objects.set(id, local);
      },
    );
    if (id === undefined) throw new UbusError(UbusStatus.NO_DATA, op);
    const objid = id;
    const remove = async (): Promise<void> => {
      try {
        await this.transact(MsgType.REMOVE_OBJECT, 0, (w) => w.putU32(Attr.OBJID, objid), `remove_object ${path}`, this.timeoutMs);
      } finally {
        this.objects.delete(objid);
      }
    };
    return { id: objid, path, remove };
  }

  // ------------------------------------------------------------ requests

  private async lookupId(path: string, op: string, timeoutMs: number): Promise<number> {
    let id: number | undefined;
    await this.transact(MsgType.LOOKUP, 0, (w) => w.putString(Attr.OBJPATH, path), op, timeoutMs, (msg) => (id ??= msg.objid));
    if (id === undefined) throw new UbusError(UbusStatus.NOT_FOUND, op);
    this.ids.set(path, id);
    return id;
  }

  /** INVOKE with its raw STATUS message, so call() can tell ubusd's NOT_FOUND from the object's. */
  private async invoke(id: number, method: string, args: BlobmsgInputTable, op: string, timeoutMs: number): Promise<{ status: Message; data: BlobmsgTable | undefined }> {
    let data: BlobmsgTable | undefined;
    const status = await this.request(
      MsgType.INVOKE,
      id,
      (w) => {
        w.putU32(Attr.OBJID, id);
        w.putString(Attr.METHOD, method);
        // Always present: a libubus server answers a call without DATA with INVALID_ARGUMENT.
        putTable(w, Attr.DATA, args);
      },
      op,
      timeoutMs,
      (msg) => {
        if (data === undefined && msg.data) data = decodeTable(msg.buf, msg.data.start, msg.data.end);
      },
    );
    return { status, data };
  }

  /** A request whose STATUS must be OK. */
  private async transact(type: number, peer: number, fill: ((w: BlobWriter) => void) | undefined, op: string, timeoutMs: number, onData?: (msg: Message) => void): Promise<void> {
    const status = await this.request(type, peer, fill, op, timeoutMs, onData);
    // libubus treats a STATUS without the attribute as INVALID_ARGUMENT.
    const code = status.status ?? UbusStatus.INVALID_ARGUMENT;
    if (code !== UbusStatus.OK) throw new UbusError(code, op);
  }

  /** Sends a request and resolves with its STATUS message; DATA replies before it go to onData. */
  private request(type: number, peer: number, fill: ((w: BlobWriter) => void) | undefined, op: string, timeoutMs: number, onData?: (msg: Message) => void): Promise<Message> {
    if (this.ended) return Promise.reject(new UbusError(UbusStatus.CONNECTION_FAILED, op));
    const seq = this.nextSeq(peer);
    let frame: Buffer;
    try {
      frame = encodeMessage(type, seq, peer, fill, this.maxBytes);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<Message>((resolve, reject) => {
      const k = key(seq, peer);
      const timer = setTimeout(() => {
        this.pending.delete(k);
        reject(new UbusError(UbusStatus.TIMEOUT, op));
      }, timeoutMs);
      this.pending.set(k, { op, timer, onData, resolve, reject });
      this.socket.write(frame);
    });
  }

  // seq is 16 bits and wraps; skip values still waiting for a reply to this peer.
  private nextSeq(peer: number): number {
    do this.seq = (this.seq + 1) & 0xffff;
    while (this.seq === 0 || this.pending.has(key(this.seq, peer)));
    return this.seq;
  }

  // ------------------------------------------------------------ incoming

  private onChunk(chunk: Buffer): void {
    try {
      for (const frame of this.reader.push(chunk)) this.onMessage(parseMessage(frame));
    } catch (err) {
      // A framing error leaves the stream unreadable: drop the connection.
      this.end(err as Error);
    }
  }

  private onMessage(msg: Message): void {
    switch (msg.type) {
      case MsgType.HELLO:
        this.hello?.resolve();
        this.hello = undefined;
        return;
      case MsgType.DATA:
      case MsgType.STATUS:
        this.onReply(msg);
        return;
      case MsgType.PING:
        // ubusd's own answer to a PING: the same message back as DATA.
        this.socket.write(Buffer.concat([msg.buf.subarray(0, 1), Buffer.of(MsgType.DATA), msg.buf.subarray(2)]));
        return;
      case MsgType.INVOKE:
        this.onInvoke(msg);
        return;
    }
  }

  private onReply(msg: Message): void {
    const k = key(msg.seq, msg.peer);
    const p = this.pending.get(k);
    if (!p) return;
    if (msg.type === MsgType.DATA) {
      try {
        p.onData?.(msg);
        return;
      } catch (err) {
        // A malformed payload spoils this request only; the framing is intact.
        this.pending.delete(k);
        clearTimeout(p.timer);
        p.reject(err as Error);
        return;
      }
    }
    this.pending.delete(k);
    clearTimeout(p.timer);
    p.resolve(msg);
  }

  private onInvoke(msg: Message): void {
    if (msg.objid === undefined) return;
    const objid = msg.objid;
    const local = this.objects.get(objid);
    const reply = (code: number, data?: BlobmsgInputTable | void): void => {
      if (msg.noReply || this.ended) return;
      let frames: Buffer[];
      try {
        frames = data ? [this.replyData(msg, objid, data)] : [];
      } catch {
        // The handler's result cannot be encoded (or is too large).
        frames = [];
        code = UbusStatus.UNKNOWN_ERROR;
      }
      frames.push(
        encodeMessage(
          MsgType.STATUS,
          msg.seq,
          msg.peer,
          (w) => {
            w.putU32(Attr.STATUS, code);
            w.putU32(Attr.OBJID, objid);
          },
          this.maxBytes,
        ),
      );
      for (const f of frames) this.socket.write(f);
    };
    if (!local) return reply(UbusStatus.NOT_FOUND);
    if (msg.method === undefined) return reply(UbusStatus.INVALID_ARGUMENT);
    const handler = local.handler(msg.method);
    if (!handler) return reply(UbusStatus.METHOD_NOT_FOUND);
    if (!msg.data) return reply(UbusStatus.INVALID_ARGUMENT);
    let args: BlobmsgTable;
    try {
      args = decodeTable(msg.buf, msg.data.start, msg.data.end);
    } catch {
      return reply(UbusStatus.INVALID_ARGUMENT);
    }
    const ctx: InvokeContext = { object: local.path, method: msg.method, peer: msg.peer, user: msg.user, group: msg.group };
    Promise.resolve()
      .then(() => handler(args, ctx))
      .then(
        (result) => reply(UbusStatus.OK, result),
        (err: unknown) => reply(err instanceof UbusError ? err.code : UbusStatus.UNKNOWN_ERROR),
      );
  }

  private replyData(msg: Message, objid: number, data: BlobmsgInputTable): Buffer {
    return encodeMessage(
      MsgType.DATA,
      msg.seq,
      msg.peer,
      (w) => {
        w.putU32(Attr.OBJID, objid);
        putTable(w, Attr.DATA, data);
      },
      this.maxBytes,
    );
  }

  /** Ends the connection once; `reason` undefined means close() was called. */
  private end(reason: Error | undefined): void {
    if (this.ended) return;
    this.ended = reason ?? new UbusError(UbusStatus.CONNECTION_FAILED, 'connection');
    this.socket.destroy();
    this.hello?.reject(this.ended);
    this.hello = undefined;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason instanceof UbusProtocolError ? reason : new UbusError(UbusStatus.CONNECTION_FAILED, p.op));
    }
    this.pending.clear();
    this.objects.clear();
    this.resolveClosed(reason);
  }
}
