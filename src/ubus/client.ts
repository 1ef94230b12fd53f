// A ubus client speaking the ubusd socket protocol directly (no libubus, no
// `ubus` process), following libubus' behaviour where the wire leaves a choice.
//
// Requests are matched to replies by (seq, peer): ubusd answers LOOKUP,
// ADD_OBJECT, SUBSCRIBE with peer 0 and INVOKE with peer = the object id.
// Objects this client registers (addObject, listen, subscribe) receive
// INVOKEs and answer them with DATA then STATUS, unless NO_REPLY is set.

import * as net from 'node:net';
import { BlobWriter, MAX_MESSAGE_BYTES } from './blob';
import {
  BlobmsgInputTable,
  BlobmsgTable,
  BlobmsgTypeName,
  blobmsgTypeId,
  blobmsgTypeName,
  decodeTable,
  putTable,
  typed,
} from './blobmsg';
import { Attr, encodeMessage, EVENT_OBJECT_ID, FrameReader, Message, MsgType, parseMessage } from './message';
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

/** Argument name → blobmsg type, as LOOKUP reports it and ADD_OBJECT announces it. */
export type MethodSignature = Record<string, BlobmsgTypeName>;

export interface UbusObjectInfo {
  path: string;
  id: number;
  /** ubusd's id for the object's type (its method set). */
  type: number;
  signature: Record<string, MethodSignature>;
}

export interface InvokeContext {
  /** The object's path; "" for the anonymous objects behind listen() and subscribe(). */
  object: string;
  /** Method name, event name or notification type. */
  method: string;
  /** The caller's client id (0 for events). */
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
export interface UbusRegistration {
  readonly id: number;
  /** Unregisters the object; for listen() and subscribe() this also ends the events or notifications. */
  remove(): Promise<void>;
}

export interface UbusObject extends UbusRegistration {
  readonly path: string;
  /** Whether anyone subscribes to this object, as ubusd last announced. */
  readonly hasSubscribers: boolean;
  /**
   * Sends a notification to the subscribers. It is sent with NO_REPLY, so
   * the promise settles once the message is written, not when it arrives.
   */
  notify(type: string, data?: BlobmsgInputTable): Promise<void>;
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
  active: boolean;
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
  private helloPeer = 0;
  private ended: Error | undefined;
  private hello: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private resolveClosed!: (reason: Error | undefined) => void;

  private constructor(
    private readonly socket: net.Socket,
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
    const client = new UbusClient(net.createConnection(path), timeoutMs, maxBytes);
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

  /** This client's id on the bus, from ubusd's HELLO. */
  get peerId(): number {
    return this.helloPeer;
  }

  /** Closes the connection; pending requests reject with CONNECTION_FAILED. */
  close(): void {
    this.end(undefined);
  }

  /**
   * Lists objects: one path, a prefix ending in "*", or all when omitted.
   * Rejects with NOT_FOUND when nothing matches.
   */
  async lookup(path?: string, options: RequestOptions = {}): Promise<UbusObjectInfo[]> {
    const found: UbusObjectInfo[] = [];
    await this.transact(
      MsgType.LOOKUP,
      0,
      path === undefined ? undefined : (w) => w.putString(Attr.OBJPATH, path),
      `lookup ${path ?? '*'}`,
      options.timeoutMs ?? this.timeoutMs,
      (msg) => {
        // libubus skips entries lacking any of these; so do we.
        if (msg.objpath === undefined || msg.objid === undefined || msg.objtype === undefined) return;
        found.push({ path: msg.objpath, id: msg.objid, type: msg.objtype, signature: msg.signature ? decodeSignature(msg) : {} });
      },
    );
    return found;
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
    const local: LocalObject = { path, handler: (method) => (Object.hasOwn(methods, method) ? methods[method]!.handler : undefined), active: false };
    const reg = await this.register(local, `add_object ${path}`, this.timeoutMs, (w) => {
      w.putString(Attr.OBJPATH, path);
      putTable(w, Attr.SIGNATURE, signature);
    });
    return {
      id: reg.id,
      path,
      remove: reg.remove,
      get hasSubscribers() {
        return local.active;
      },
      notify: (type, data = {}) =>
        this.send(MsgType.NOTIFY, reg.id, `notify ${path} ${type}`, (w) => {
          w.putU32(Attr.OBJID, reg.id);
          w.putString(Attr.METHOD, type);
          putTable(w, Attr.DATA, data);
          w.putU8(Attr.NO_REPLY, 1);
        }),
    };
  }

  /** Broadcasts an event, as `ubus send` does. Names starting with "ubus." are reserved by ubusd. */
  async sendEvent(id: string, data: BlobmsgInputTable = {}, options: RequestOptions = {}): Promise<void> {
    await this.systemInvoke('send', { id, data }, `send ${id}`, options.timeoutMs ?? this.timeoutMs);
  }

  /**
   * Receives events whose name matches `pattern` (a trailing "*" matches a
   * prefix), as `ubus listen` does. Events this client sends itself are not
   * delivered back to it (ubusd skips the sender).
   */
  async listen(pattern: string, onEvent: (event: string, data: BlobmsgTable) => void | Promise<void>, options: RequestOptions = {}): Promise<UbusRegistration> {
    const op = `listen ${pattern}`;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const reg = await this.register({ path: '', handler: () => (data, ctx) => onEvent(ctx.method, data), active: false }, op, timeoutMs);
    // ubusd's policy types "object" as INT32, though ids use all 32 bits.
    await this.undoOnError(reg, this.systemInvoke('register', { object: typed('int32', reg.id), pattern }, op, timeoutMs));
    return reg;
  }

  /**
   * Receives the notifications an object sends with notify(), as `ubus
   * subscribe` does. When the target goes away ubusd drops the subscription
   * and notifications just stop; subscribe again after it returns.
   */
  async subscribe(path: string, onNotify: (type: string, data: BlobmsgTable) => void | Promise<void>, options: RequestOptions = {}): Promise<UbusRegistration> {
    const op = `subscribe ${path}`;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const target = await this.lookupId(path, op, timeoutMs);
    const reg = await this.register({ path: '', handler: () => (data, ctx) => onNotify(ctx.method, data), active: false }, op, timeoutMs);
    const subscribed = this.transact(
      MsgType.SUBSCRIBE,
      0,
      (w) => {
        w.putU32(Attr.OBJID, reg.id);
        w.putU32(Attr.TARGET, target);
      },
      op,
      timeoutMs,
    );
    await this.undoOnError(reg, subscribed);
    return reg;
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

  private async systemInvoke(method: string, args: BlobmsgInputTable, op: string, timeoutMs: number): Promise<void> {
    const { status } = await this.invoke(EVENT_OBJECT_ID, method, args, op, timeoutMs);
    const code = status.status ?? UbusStatus.INVALID_ARGUMENT;
    if (code !== UbusStatus.OK) throw new UbusError(code, op);
  }

  /** ADD_OBJECT; the object is routable from the moment ubusd's DATA names its id. */
  private async register(local: LocalObject, op: string, timeoutMs: number, fill?: (w: BlobWriter) => void): Promise<UbusRegistration> {
    let id: number | undefined;
    await this.transact(MsgType.ADD_OBJECT, 0, fill, op, timeoutMs, (msg) => {
      if (id !== undefined || msg.objid === undefined) return;
      id = msg.objid;
      this.objects.set(id, local);
    });
    if (id === undefined) throw new UbusError(UbusStatus.NO_DATA, op);
    const objid = id;
    const remove = async (): Promise<void> => {
      try {
        await this.transact(MsgType.REMOVE_OBJECT, 0, (w) => w.putU32(Attr.OBJID, objid), `remove_object ${local.path || objid}`, this.timeoutMs);
      } finally {
        this.objects.delete(objid);
      }
    };
    return { id: objid, remove };
  }

  private async undoOnError(reg: UbusRegistration, step: Promise<unknown>): Promise<void> {
    try {
      await step;
    } catch (err) {
      await reg.remove().catch(() => undefined);
      throw err;
    }
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

  /** A message that expects no reply. */
  private async send(type: number, peer: number, op: string, fill: (w: BlobWriter) => void): Promise<void> {
    if (this.ended) throw new UbusError(UbusStatus.CONNECTION_FAILED, op);
    this.socket.write(encodeMessage(type, this.nextSeq(peer), peer, fill, this.maxBytes));
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
        this.helloPeer = msg.peer;
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
      case MsgType.NOTIFY: {
        // From ubusd: whether one of our objects has subscribers now.
        const local = msg.objid === undefined ? undefined : this.objects.get(msg.objid);
        if (local && msg.active !== undefined) local.active = msg.active;
        return;
      }
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

/** SIGNATURE: one TABLE per method holding an INT32 blobmsg type per argument. */
function decodeSignature(msg: Message): Record<string, MethodSignature> {
  const raw = decodeTable(msg.buf, msg.signature!.start, msg.signature!.end);
  const out: Record<string, MethodSignature> = {};
  for (const [method, args] of Object.entries(raw)) {
    if (args === null || typeof args !== 'object' || Array.isArray(args)) throw new UbusProtocolError(`signature of ${method} is not a table`);
    const sig: MethodSignature = {};
    for (const [arg, type] of Object.entries(args)) {
      if (typeof type !== 'number') throw new UbusProtocolError(`signature type of ${method}.${arg} is not an integer`);
      sig[arg] = blobmsgTypeName(type);
    }
    out[method] = sig;
  }
  return out;
}
