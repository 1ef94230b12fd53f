// UbusClient against a scripted ubusd: request matching, errors, timeouts,
// PING, connection loss, objects (INVOKE → DATA + STATUS, NO_REPLY), checked
// message by message.

import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobmsgInputTable, DEFAULT_SOCKET_PATHS, MAX_MESSAGE_BYTES, UbusClient, UbusError, UbusProtocolError } from '../src/ubus';
import { BlobWriter } from '../src/ubus/blob';
import { decodeTable, putTable } from '../src/ubus/blobmsg';
import { Attr, encodeMessage, Message, MsgType, parseMessage } from '../src/ubus/message';
import { FakeConn, FakeUbusd } from './fixtures/ubus/fake-ubusd';

const CLIENT_ID = 0x51e0c001;
const UCI_ID = 0x7700aa01;

const frame = (type: number, seq: number, peer: number, fill?: (w: BlobWriter) => void): Buffer => encodeMessage(type, seq, peer, fill, MAX_MESSAGE_BYTES);
const statusFrame = (seq: number, peer: number, code: number, objid?: number): Buffer =>
  frame(MsgType.STATUS, seq, peer, (w) => {
    w.putU32(Attr.STATUS, code);
    if (objid !== undefined) w.putU32(Attr.OBJID, objid);
  });
const dataFrame = (seq: number, peer: number, objid: number, data: BlobmsgInputTable): Buffer =>
  frame(MsgType.DATA, seq, peer, (w) => {
    w.putU32(Attr.OBJID, objid);
    putTable(w, Attr.DATA, data);
  });
const dataOf = (m: Message): unknown => (m.data ? decodeTable(m.buf, m.data.start, m.data.end) : undefined);

let ubusd: FakeUbusd;
let client: UbusClient;
let conn: FakeConn;

beforeEach(async () => {
  ubusd = await FakeUbusd.start(CLIENT_ID);
  const accepted = ubusd.accept();
  client = await UbusClient.connect({ path: ubusd.path, timeoutMs: 1000 });
  conn = await accepted;
});

afterEach(async () => {
  client.close();
  await ubusd.stop();
});

async function expectMessage(type: number): Promise<Message> {
  const m = parseMessage(await conn.next());
  expect(m.type).toBe(type);
  return m;
}

/** Answers the client's next LOOKUP for `path` with object `id`. */
async function answerLookup(path: string, id: number): Promise<void> {
  const m = await expectMessage(MsgType.LOOKUP);
  expect(m.objpath).toBe(path);
  conn.send(
    frame(MsgType.DATA, m.seq, 0, (w) => {
      w.putString(Attr.OBJPATH, path);
      w.putU32(Attr.OBJID, id);
      w.putU32(Attr.OBJTYPE, 0x1111);
      putTable(w, Attr.SIGNATURE, { get: { config: 3 } });
    }),
    statusFrame(m.seq, 0, 0),
  );
}

/** Makes one successful call so the client has UCI_ID cached for "uci". */
async function warmUp(): Promise<void> {
  const call = client.call('uci', 'warmup');
  await answerLookup('uci', UCI_ID);
  const m = await expectMessage(MsgType.INVOKE);
  conn.send(statusFrame(m.seq, UCI_ID, 0, UCI_ID));
  await call;
}

/** Answers the client's next ADD_OBJECT with object id `id`. */
async function answerAddObject(id: number): Promise<Message> {
  const m = await expectMessage(MsgType.ADD_OBJECT);
  conn.send(
    frame(MsgType.DATA, m.seq, 0, (w) => w.putU32(Attr.OBJID, id)),
    statusFrame(m.seq, 0, 0),
  );
  return m;
}

describe('connecting', () => {
  it('a missing socket is CONNECTION_FAILED with the errno as cause', async () => {
    const err = await UbusClient.connect({ path: `${ubusd.path}.missing` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UbusError);
    expect((err as UbusError).statusName).toBe('CONNECTION_FAILED');
    expect((err as UbusError).message).toBe(`ubus connect ${ubusd.path}.missing failed: Connection failed (10)`);
    expect(((err as Error).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it.skipIf(DEFAULT_SOCKET_PATHS.some((p) => existsSync(p)))('without a path tries both default sockets and reports the first', async () => {
    const err = (await UbusClient.connect().catch((e: unknown) => e)) as UbusError;
    expect(err.message).toBe('ubus connect /var/run/ubus/ubus.sock failed: Connection failed (10)');
  });

  it('a daemon that never says HELLO is a TIMEOUT', async () => {
    const mute = await FakeUbusd.start();
    try {
      await expect(UbusClient.connect({ path: mute.path, timeoutMs: 100 })).rejects.toMatchObject({ code: 7, statusName: 'TIMEOUT' });
    } finally {
      await mute.stop();
    }
  });
});

describe('call', () => {
  it('looks the object up once, then invokes with OBJID, METHOD and DATA', async () => {
    const first = client.call('uci', 'get', { config: 'dhcp' });
    await answerLookup('uci', UCI_ID);
    let m = await expectMessage(MsgType.INVOKE);
    expect([m.peer, m.objid, m.method, dataOf(m)]).toEqual([UCI_ID, UCI_ID, 'get', { config: 'dhcp' }]);
    conn.send(dataFrame(m.seq, UCI_ID, UCI_ID, { values: { a: '1' } }), statusFrame(m.seq, UCI_ID, 0, UCI_ID));
    expect(await first).toEqual({ values: { a: '1' } });

    // The id is cached: no second LOOKUP. Empty args still carry a DATA attribute.
    const second = client.call('uci', 'configs');
    m = await expectMessage(MsgType.INVOKE);
    expect(dataOf(m)).toEqual({});
    conn.send(statusFrame(m.seq, UCI_ID, 0, UCI_ID));
    expect(await second).toEqual({});
  });

  it('maps every status code to a UbusError naming object and method', async () => {
    const codes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 99];
    const names = ['INVALID_COMMAND', 'INVALID_ARGUMENT', 'METHOD_NOT_FOUND', 'NOT_FOUND', 'NO_DATA', 'PERMISSION_DENIED', 'TIMEOUT', 'NOT_SUPPORTED', 'UNKNOWN_ERROR', 'CONNECTION_FAILED', 'NO_MEMORY', 'PARSE_ERROR', 'SYSTEM_ERROR', 'UNKNOWN'];
    await warmUp();
    for (const [i, code] of codes.entries()) {
      const call = client.call('uci', 'get').catch((e: unknown) => e);
      const m = await expectMessage(MsgType.INVOKE);
      conn.send(statusFrame(m.seq, UCI_ID, code, UCI_ID));
      const err = (await call) as UbusError;
      expect(err).toBeInstanceOf(UbusError);
      expect([err.code, err.statusName]).toEqual([code, names[i]]);
      expect(err.message).toMatch(new RegExp(`^ubus call uci get failed: .+ \\(${code}\\)$`));
    }
  });

  it('reads like the CLI: "ubus call uci get failed: Not found (4)"', async () => {
    const call = client.call('uci', 'get', { config: 'nope' });
    await answerLookup('uci', UCI_ID);
    const m = await expectMessage(MsgType.INVOKE);
    conn.send(statusFrame(m.seq, UCI_ID, 4, UCI_ID));
    await expect(call).rejects.toThrow('ubus call uci get failed: Not found (4)');
  });

  it('an unknown object fails at LOOKUP with the call named', async () => {
    const call = client.call('nope', 'get');
    const m = await expectMessage(MsgType.LOOKUP);
    conn.send(statusFrame(m.seq, 0, 4));
    await expect(call).rejects.toThrow('ubus call nope get failed: Not found (4)');
  });

  it('after ubusd forgets a cached id (NOT_FOUND without OBJID) it looks up again and retries once', async () => {
    await warmUp();
    const again = client.call('uci', 'get');
    let m = await expectMessage(MsgType.INVOKE);
    conn.send(statusFrame(m.seq, UCI_ID, 4)); // from ubusd: no such object
    await answerLookup('uci', UCI_ID + 1);
    m = await expectMessage(MsgType.INVOKE);
    expect(m.peer).toBe(UCI_ID + 1);
    conn.send(dataFrame(m.seq, UCI_ID + 1, UCI_ID + 1, { ok: true }), statusFrame(m.seq, UCI_ID + 1, 0, UCI_ID + 1));
    expect(await again).toEqual({ ok: true });
  });

  it('times out naming object and method, and ignores the late reply', async () => {
    const call = client.call('uci', 'get', {}, { timeoutMs: 50 });
    await answerLookup('uci', UCI_ID);
    const m = await expectMessage(MsgType.INVOKE);
    await expect(call).rejects.toThrow('ubus call uci get failed: Request timed out (7)');
    conn.send(dataFrame(m.seq, UCI_ID, UCI_ID, {}), statusFrame(m.seq, UCI_ID, 0, UCI_ID));
    // still usable
    const next = client.call('uci', 'get');
    const n = await expectMessage(MsgType.INVOKE);
    expect(n.seq).not.toBe(m.seq);
    conn.send(statusFrame(n.seq, UCI_ID, 0, UCI_ID));
    await expect(next).resolves.toEqual({});
  });

  it('matches 100 concurrent calls by seq and peer, answered in reverse order', async () => {
    await warmUp();
    const calls = Array.from({ length: 100 }, (_, i) => client.call('uci', 'get', { i }));
    const invokes: Message[] = [];
    for (let i = 0; i < 100; i++) invokes.push(await expectMessage(MsgType.INVOKE));
    expect(new Set(invokes.map((m) => m.seq)).size).toBe(100);
    for (const m of invokes.reverse()) {
      // a reply with the right seq but another peer must not be taken for it
      conn.send(dataFrame(m.seq, UCI_ID + 9, UCI_ID + 9, { wrong: true }));
      conn.send(dataFrame(m.seq, UCI_ID, UCI_ID, { echo: dataOf(m) as BlobmsgInputTable }), statusFrame(m.seq, UCI_ID, 0, UCI_ID));
    }
    expect(await Promise.all(calls)).toEqual(Array.from({ length: 100 }, (_, i) => ({ echo: { i } })));
  });

  it('a DATA payload that does not decode fails that call only', async () => {
    const call = client.call('uci', 'get');
    await answerLookup('uci', UCI_ID);
    const m = await expectMessage(MsgType.INVOKE);
    const bad = frame(MsgType.DATA, m.seq, UCI_ID, (w) => {
      w.putU32(Attr.OBJID, UCI_ID);
      w.putU32(Attr.DATA, 0x83000004); // a "table member" that is only a header
    });
    conn.send(bad, statusFrame(m.seq, UCI_ID, 0, UCI_ID));
    await expect(call).rejects.toBeInstanceOf(UbusProtocolError);
    const next = client.call('uci', 'get');
    const n = await expectMessage(MsgType.INVOKE);
    conn.send(statusFrame(n.seq, UCI_ID, 0, UCI_ID));
    await expect(next).resolves.toEqual({});
  });

  it('refuses to send a message over 1 MiB', async () => {
    const call = client.call('uci', 'set', { blob: 'x'.repeat(MAX_MESSAGE_BYTES) });
    await answerLookup('uci', UCI_ID);
    await expect(call).rejects.toThrow(/exceeds the/);
  });
});

describe('connection', () => {
  it('answers PING with the same message as DATA', async () => {
    const ping = frame(MsgType.PING, 77, 0x42, (w) => w.putU32(Attr.OBJID, 5));
    conn.send(ping);
    const pong = await conn.next();
    expect(pong[1]).toBe(MsgType.DATA);
    expect(Buffer.concat([pong.subarray(0, 1), Buffer.of(MsgType.PING), pong.subarray(2)])).toEqual(ping);
  });

  it('rejects pending calls when ubusd goes away, and later calls at once', async () => {
    const call = client.call('uci', 'get');
    await expectMessage(MsgType.LOOKUP);
    conn.socket.destroy();
    await expect(call).rejects.toThrow('ubus call uci get failed: Connection failed (10)');
    expect(await client.closed).toBeInstanceOf(UbusError);
    await expect(client.call('uci', 'get')).rejects.toMatchObject({ statusName: 'CONNECTION_FAILED' });
  });

  it('close() rejects pending calls and settles `closed` with undefined', async () => {
    const call = client.call('uci', 'get');
    await expectMessage(MsgType.LOOKUP);
    client.close();
    await expect(call).rejects.toMatchObject({ code: 10 });
    expect(await client.closed).toBeUndefined();
  });

  it('a broken frame from ubusd drops the connection with a UbusProtocolError', async () => {
    const call = client.call('uci', 'get');
    await expectMessage(MsgType.LOOKUP);
    conn.send(Buffer.from('07000001000000000000000c', 'hex'));
    await expect(call).rejects.toBeInstanceOf(UbusProtocolError);
    expect(await client.closed).toBeInstanceOf(UbusProtocolError);
  });
});

describe('addObject', () => {
  const OBJ = 0x0b1ec700;
  const CALLER = 0xca11e400;

  function invoke(seq: number, method: string, data: BlobmsgInputTable | undefined, opts: { objid?: number; noReply?: boolean } = {}): Buffer {
    return frame(MsgType.INVOKE, seq, CALLER, (w) => {
      w.putU32(Attr.OBJID, opts.objid ?? OBJ);
      w.putString(Attr.METHOD, method);
      w.putString(Attr.USER, 'root');
      w.putString(Attr.GROUP, 'root');
      if (data) putTable(w, Attr.DATA, data);
      if (opts.noReply) w.putU8(Attr.NO_REPLY, 1);
    });
  }

  async function register(): Promise<Awaited<ReturnType<UbusClient['addObject']>>> {
    const added = client.addObject('netboot', {
      status: { signature: { mac: 'string' }, handler: (args, ctx) => ({ mac: args.mac ?? null, user: ctx.user ?? null }) },
      fail: { handler: () => Promise.reject(new UbusError(6, 'x')) },
      crash: {
        handler: () => {
          throw new Error('bug');
        },
      },
      quiet: { handler: () => undefined },
      huge: { handler: () => ({ s: 'x'.repeat(MAX_MESSAGE_BYTES) }) },
    });
    const m = await answerAddObject(OBJ);
    expect(m.objpath).toBe('netboot');
    expect(decodeTable(m.buf, m.signature!.start, m.signature!.end)).toEqual({ status: { mac: 3 }, fail: {}, crash: {}, quiet: {}, huge: {} });
    return added;
  }

  it('answers INVOKE with DATA then STATUS, echoing seq and peer', async () => {
    const obj = await register();
    expect([obj.id, obj.path]).toEqual([OBJ, 'netboot']);
    conn.send(invoke(9, 'status', { mac: 'aa:bb' }));
    const d = await expectMessage(MsgType.DATA);
    expect([d.seq, d.peer, d.objid, dataOf(d)]).toEqual([9, CALLER, OBJ, { mac: 'aa:bb', user: 'root' }]);
    const s = await expectMessage(MsgType.STATUS);
    expect([s.seq, s.peer, s.status, s.objid]).toEqual([9, CALLER, 0, OBJ]);
  });

  it.each([
    ['fail', 6, 'a UbusError → its code'],
    ['crash', 9, 'any other throw → UNKNOWN_ERROR'],
    ['quiet', 0, 'no result → STATUS only'],
    ['huge', 9, 'an unencodable result → UNKNOWN_ERROR'],
    ['nope', 3, 'unknown method → METHOD_NOT_FOUND'],
  ])('%s: status %i (%s)', async (method, code) => {
    await register();
    conn.send(invoke(3, method, {}));
    const s = await expectMessage(MsgType.STATUS);
    expect([s.seq, s.status]).toEqual([3, code]);
  });

  it('answers INVALID_ARGUMENT without DATA and NOT_FOUND for an unknown object id', async () => {
    await register();
    conn.send(invoke(4, 'status', undefined));
    expect((await expectMessage(MsgType.STATUS)).status).toBe(2);
    conn.send(invoke(5, 'status', {}, { objid: OBJ + 1 }));
    expect((await expectMessage(MsgType.STATUS)).status).toBe(4);
  });

  it('sends nothing back for NO_REPLY', async () => {
    await register();
    conn.send(invoke(6, 'status', {}, { noReply: true }), invoke(7, 'quiet', {}));
    const s = await expectMessage(MsgType.STATUS);
    expect(s.seq).toBe(7);
  });

  it('remove() sends REMOVE_OBJECT; later INVOKEs get NOT_FOUND', async () => {
    const obj = await register();
    const removed = obj.remove();
    const m = await expectMessage(MsgType.REMOVE_OBJECT);
    expect(m.objid).toBe(OBJ);
    conn.send(frame(MsgType.DATA, m.seq, 0, (w) => w.putU32(Attr.OBJID, OBJ)), statusFrame(m.seq, 0, 0));
    await removed;
    conn.send(invoke(8, 'status', {}));
    expect((await expectMessage(MsgType.STATUS)).status).toBe(4);
  });

  it('a refused registration rejects naming the object', async () => {
    const added = client.addObject('netboot', {});
    const m = await expectMessage(MsgType.ADD_OBJECT);
    conn.send(statusFrame(m.seq, 0, 2));
    await expect(added).rejects.toThrow('ubus add_object netboot failed: Invalid argument (2)');
  });
});
