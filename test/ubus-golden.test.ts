// Replays real ubus traffic captured from OpenWrt's ubusd/rpcd/CLI
// (test/fixtures/ubus/README.md). Ids and seq numbers are random per run,
// so the fake ubusd maps the captured ones to fresh values and insists the
// mapping stays consistent across the exchange.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BlobmsgInputTable, BlobmsgTypeName, UbusClient } from '../src/ubus';
import { FakeUbusd, splitFrames } from './fixtures/ubus/fake-ubusd';

const FIXTURES = join(__dirname, 'fixtures/ubus');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const json = (name: string): unknown => JSON.parse(fixture(name).toString('utf8'));

const GOLDEN = { client: 0x586e6f82, object: 0x74aecab3, type: 0x5043c99c };
const FRESH = { client: 0x1234abcd, object: 0x0badf00d, type: 0x7e57e57e, caller: 0x2468ace0 };
const ID_ATTRS = new Set([3 /* OBJID */, 5 /* OBJTYPE */, 8 /* TARGET */]);
const TYPE_NAMES: BlobmsgTypeName[] = ['unspec', 'array', 'table', 'string', 'int64', 'int32', 'int16', 'bool', 'double'];

/** Copies a captured frame with ids (header peer and OBJID/OBJTYPE/TARGET attrs) and seq mapped. */
function rewrite(frame: Buffer, ids: Map<number, number>, seq?: number): Buffer {
  const out = Buffer.from(frame);
  if (seq !== undefined) out.writeUInt16BE(seq, 2);
  const mapId = (at: number): void => {
    const v = out.readUInt32BE(at);
    if (ids.has(v)) out.writeUInt32BE(ids.get(v)!, at);
  };
  mapId(4);
  for (let p = 12; p < out.length; ) {
    const head = out.readUInt32BE(p);
    const len = head & 0xffffff;
    if (ID_ATTRS.has((head >>> 24) & 0x7f) && len === 8) mapId(p + 4);
    p += (len + 3) & ~3;
  }
  return out;
}

const seqOf = (frame: Buffer): number => frame.readUInt16BE(2);

let ubusd: FakeUbusd | undefined;
let client: UbusClient | undefined;
afterEach(async () => {
  client?.close();
  client = undefined;
  await ubusd?.stop();
  ubusd = undefined;
});

describe.each([
  { name: 'uci-get-section', args: { config: 'dhcp', section: 'pxe' } },
  { name: 'uci-get-config', args: { config: 'dhcp' } },
])('golden replay: $name', ({ name, args }) => {
  const toUbusd = splitFrames(fixture(`${name}.to-ubusd.bin`));
  const fromUbusd = splitFrames(fixture(`${name}.from-ubusd.bin`));
  const ids = new Map([
    [GOLDEN.client, FRESH.client],
    [GOLDEN.object, FRESH.object],
    [GOLDEN.type, FRESH.type],
  ]);

  /** Serves the captured exchange; chunkSize splits ubusd's bytes to exercise reassembly. */
  async function serve(chunkSize: number): Promise<void> {
    const conn = await ubusd!.accept();
    const seqs = new Map<number, number>();
    for (const expected of toUbusd) {
      const actual = await conn.next();
      const goldenSeq = seqOf(expected);
      const actualSeq = seqOf(actual);
      // seq is a variable, but one golden seq maps to one actual seq and back.
      if (seqs.has(goldenSeq)) expect(actualSeq).toBe(seqs.get(goldenSeq));
      else expect([...seqs.values()]).not.toContain(actualSeq);
      seqs.set(goldenSeq, actualSeq);
      expect(actual.toString('hex')).toBe(rewrite(expected, ids, actualSeq).toString('hex'));
      const replies = Buffer.concat(fromUbusd.filter((f) => f[1] !== 0 && seqOf(f) === goldenSeq).map((f) => rewrite(f, ids, actualSeq)));
      for (let p = 0; p < replies.length; p += chunkSize) conn.send(replies.subarray(p, p + chunkSize));
    }
  }

  it.each([65536, 7, 1])('call() sends the captured bytes and decodes the reply (chunks of %i)', async (chunkSize) => {
    // The fake greets with the captured HELLO, rewritten to a fresh client id.
    expect(fromUbusd[0]![1]).toBe(0);
    ubusd = await FakeUbusd.start(FRESH.client);
    const served = serve(chunkSize);
    client = await UbusClient.connect({ path: ubusd.path, timeoutMs: 2000 });
    const result = await client.call('uci', 'get', args);
    await served;
    expect(result).toEqual(json(`${name}.result.json`));
  });
});

describe('golden replay: the rpcd hop (object side)', () => {
  const invoke = fixture('rpcd-hop.invoke.bin');
  const data = fixture('rpcd-hop.data.bin');
  const status = fixture('rpcd-hop.status.bin');
  const ids = new Map([
    [GOLDEN.client, FRESH.caller],
    [GOLDEN.object, FRESH.object],
  ]);
  // rpcd announced these; ubusd hands the same bytes to whoever looks "uci" up.
  const lookupReply = splitFrames(fixture('uci-get-section.from-ubusd.bin'))[1]!;
  const signatureIds = json('uci-signature.json') as Record<string, Record<string, number>>;
  const values = (json('uci-get-section.result.json') as { values: Record<string, unknown> }).values;

  it('registers the object as rpcd does and answers the forwarded INVOKE with the same DATA and STATUS bytes', async () => {
    ubusd = await FakeUbusd.start(FRESH.client);
    const seen: unknown[] = [];
    const methods = Object.fromEntries(
      Object.entries(signatureIds).map(([method, args]) => [
        method,
        {
          signature: Object.fromEntries(Object.entries(args).map(([k, t]) => [k, TYPE_NAMES[t]!])),
          handler: (a: unknown, ctx: unknown) => {
            seen.push([a, ctx]);
            return { values } as BlobmsgInputTable;
          },
        },
      ]),
    );

    const served = (async () => {
      const conn = await ubusd!.accept();
      const add = await conn.next();
      expect(add[1]).toBe(6); // ADD_OBJECT
      expect(add.readUInt32BE(4)).toBe(0);
      // OBJPATH "uci", then SIGNATURE byte-equal to what rpcd registered.
      const sigStart = lookupReply.indexOf(Buffer.from([0x06, 0x00]), 12);
      const signature = lookupReply.subarray(sigStart, sigStart + (lookupReply.readUInt32BE(sigStart) & 0xffffff));
      const expectedBody = Buffer.concat([Buffer.from('0200000875636900', 'hex'), signature]);
      expect(add.subarray(12).toString('hex')).toBe(expectedBody.toString('hex'));
      expect(add.readUInt32BE(8) & 0xffffff).toBe(4 + expectedBody.length);

      // ubusd's answer: DATA {OBJID, OBJTYPE}, STATUS 0.
      const reply = Buffer.from('00020000000000000000001403000008000000000500000800000000', 'hex');
      reply.writeUInt16BE(seqOf(add), 2);
      reply.writeUInt32BE(FRESH.object, 16);
      reply.writeUInt32BE(FRESH.type, 24);
      const ok = Buffer.from('00010000000000000000000c0100000800000000', 'hex');
      ok.writeUInt16BE(seqOf(add), 2);
      conn.send(reply, ok);

      conn.send(rewrite(invoke, ids));
      expect((await conn.next()).toString('hex')).toBe(rewrite(data, ids).toString('hex'));
      expect((await conn.next()).toString('hex')).toBe(rewrite(status, ids).toString('hex'));
    })();

    client = await UbusClient.connect({ path: ubusd.path, timeoutMs: 2000 });
    const obj = await client.addObject('uci', methods);
    expect(obj.id).toBe(FRESH.object);
    await served;
    expect(seen).toEqual([[{ config: 'dhcp', section: 'pxe' }, { object: 'uci', method: 'get', peer: FRESH.caller, user: 'root', group: 'root' }]]);
  });
});
