// A broken NAS: a scripted iSCSI portal on a loopback port that answers
// like tgt, then malformed, truncated, oversized or stalled. Every check must
// end (within its bounds) with one clear line per portal and target, never
// throw, never hang. The well-formed answers take their layout from tgt
// 1.0.97 usr/iscsi/iscsi_proto.h (struct iscsi_login_rsp, iscsi_text_rsp,
// iscsi_data_rsp, iscsi_logout_rsp) and their content from what
// usr/iscsi/iscsid.c cmnd_exec_login / cmnd_exec_text and usr/spc.c
// spc_report_luns put there; the tgt suite (iscsi-tgt.test.ts) proves the
// client against the real thing.
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { iscsiChecks } from '../src/check/iscsi';
import type { Check } from '../src/check/probes';
import { decodeBinary, encodeBinary } from '../src/iscsi/chap';
import { BHS_LENGTH, OP, PduReader, padded, type Pdu } from '../src/iscsi/pdu';
import { decodeText, encodeText } from '../src/iscsi/text';
import type { Limits } from '../src/iscsi/session';
import { model } from './helpers/config';
import { random } from './helpers/random';

const IQN = 'iqn.2024-01.lan.nas:disk1';
const LIMITS: Limits = { timeoutMs: 300, maxData: 65536, maxText: 262144 };

const u32 = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
function put32(b: Uint8Array, at: number, v: number) {
  b.set([v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255], at);
}

/** A target PDU: opcode, flags, the request's ITT, a StatSN, then `set` fills opcode-specific bytes. */
function rsp(opcode: number, flags: number, req: Pdu, statSN: number, data: Uint8Array = new Uint8Array(0), set?: (b: Uint8Array) => void): Uint8Array {
  const b = new Uint8Array(BHS_LENGTH + padded(data.length));
  b[0] = opcode;
  b[1] = flags;
  b.set([data.length >>> 16, (data.length >>> 8) & 255, data.length & 255], 5);
  b.set(req.bhs.subarray(16, 20), 16); // ITT
  put32(b, 24, statSN);
  set?.(b);
  b.set(data, BHS_LENGTH);
  return b;
}

/** What tgt answers, one request at a time (the login always transits to the NSG asked for). */
function tgtLike(req: Pdu, statSN: number): Uint8Array[] {
  switch (req.opcode) {
    case OP.loginRequest: {
      const nsg = req.bhs[1] & 3;
      const csg = (req.bhs[1] >> 2) & 3;
      return [rsp(OP.loginResponse, 0x80 | (csg << 2) | nsg, req, statSN, encodeText([['TargetPortalGroupTag', '1']]), (b) => b.set(req.bhs.subarray(8, 14), 8))];
    }
    case OP.textRequest:
      return [rsp(OP.textResponse, 0x80, req, statSN, encodeText([['TargetName', IQN], ['TargetAddress', '127.0.0.1:3260,1']]), (b) => put32(b, 20, 0xffffffff))];
    case OP.scsiCommand: {
      const cdb = req.bhs.subarray(32, 48);
      // REPORT LUNS: LUN 0 and 1 (tgt's peripheral addressing); READ CAPACITY: 2048 blocks of 512 bytes.
      const data = cdb[0] === 0xa0 ? Uint8Array.of(0, 0, 0, 16, 0, 0, 0, 0, ...new Array(8).fill(0), 0, 1, 0, 0, 0, 0, 0, 0) : Uint8Array.of(0, 0, 7, 255, 0, 0, 2, 0);
      return [rsp(OP.dataIn, 0x81, req, statSN, data, (b) => put32(b, 40, 0))];
    }
    case OP.logoutRequest:
      return [rsp(OP.logoutResponse, 0x80, req, statSN)];
    default:
      return [];
  }
}

type Reply = Uint8Array[] | 'close' | 'stall';
/** The portal: `answer(request, n)` for the n-th request of all connections; tgtLike when it returns undefined. */
let server: Server | undefined;
const sockets = new Set<Socket>();
async function portal(answer: (req: Pdu, n: number, statSN: number) => Reply | undefined): Promise<number> {
  let n = 0;
  server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    const reader = new PduReader(1 << 20);
    let statSN = 100;
    s.on('data', (chunk) => {
      reader.push(chunk);
      for (let p = reader.next(); p; p = reader.next()) {
        const a = answer(p, n++, statSN) ?? tgtLike(p, statSN);
        statSN++;
        if (a === 'close') s.destroy();
        else if (a !== 'stall') for (const b of a) s.write(b);
      }
    });
  });
  await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
  return (server.address() as { port: number }).port;
}
afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  server = undefined;
});

const conf = (port: number, extra = '') => `
config netboot 'main'
	option iscsi_server '127.0.0.1'
	option iscsi_port '${port}'

config target 'disk1'
	option iqn '${IQN}'
	option lun '1'
${extra}`;

async function check(port: number, extra = ''): Promise<{ checks: Check[]; ms: number }> {
  const t0 = Date.now();
  const checks = await iscsiChecks(model(conf(port, extra)), LIMITS);
  return { checks, ms: Date.now() - t0 };
}
const lines = (checks: Check[]) => checks.map((c) => `${c.ok ? 'ok' : 'FAIL'} ${c.name.replace(/:\d+$/, ':PORT')}: ${c.detail.replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:PORT').replace(/\d+ ms/g, 'N ms')}`);

describe('check against a portal that answers like tgt', () => {
  it('passes: discovery, login, REPORT LUNS, READ CAPACITY, logout', async () => {
    const { checks } = await check(await portal(() => undefined));
    expect(lines(checks)).toEqual([
      'ok iscsi 127.0.0.1:PORT: discovery lists 1 target (as iqn.2010-04.org.ipxe:00-00-00-00-00-00, N ms)',
      `ok iscsi target disk1: ${IQN} offered; logged in as iqn.2010-04.org.ipxe:00-00-00-00-00-00; LUN 1: 1 MiB in 512-byte blocks (N ms)`,
    ]);
  });
});

describe('check against a broken portal: one clear line, within its bounds', () => {
  const cases: [string, (req: Pdu, n: number, statSN: number) => Reply | undefined, string[]][] = [
    [
      'never answers',
      () => 'stall',
      ['FAIL iscsi 127.0.0.1:PORT: discovery failed: the NAS sent no whole answer within 0.3 s', 'FAIL iscsi target disk1: not checked: its portal 127.0.0.1:PORT failed (iscsi 127.0.0.1:PORT)'],
    ],
    [
      'sends half a header, then stalls',
      (req, n, sn) => (n === 0 ? [tgtLike(req, sn)[0].subarray(0, 20)] : undefined),
      ['FAIL iscsi 127.0.0.1:PORT: discovery failed: the NAS sent no whole answer within 0.3 s (20 bytes of a PDU arrived)', expect.stringContaining('not checked')],
    ],
    [
      'closes in the middle of a PDU',
      (req, n, sn) => (n === 0 ? [tgtLike(req, sn)[0].subarray(0, 50)] : undefined),
      ['FAIL iscsi 127.0.0.1:PORT: discovery failed: the NAS sent no whole answer within 0.3 s (50 bytes of a PDU arrived)', expect.stringContaining('not checked')],
    ],
    ['closes the connection', () => 'close', ['FAIL iscsi 127.0.0.1:PORT: discovery failed: the NAS closed the connection', expect.stringContaining('not checked')]],
    [
      'announces a 16 MiB data segment',
      (req, n, sn) => (n === 0 ? [tgtLike(req, sn)[0].map((b, i) => (i >= 5 && i < 8 ? 0xff : b))] : undefined),
      ['FAIL iscsi 127.0.0.1:PORT: discovery failed: the NAS announced a 16777215-byte data segment (opcode 0x23), more than the 65536 bytes this check accepts', expect.stringContaining('not checked')],
    ],
    [
      'answers the login with a text response',
      (req, n, sn) => (n === 0 ? [rsp(OP.textResponse, 0x80, req, sn)] : undefined),
      ['FAIL iscsi 127.0.0.1:PORT: discovery failed: the NAS answered a login with opcode 0x24 instead of 0x23', expect.stringContaining('not checked')],
    ],
    [
      'answers with another task tag',
      (req, n, sn) => (n === 0 ? [tgtLike(req, sn)[0].map((b, i) => (i === 19 ? b ^ 1 : b))] : undefined),
      [expect.stringMatching(/^FAIL iscsi 127\.0\.0\.1:PORT: discovery failed: the NAS answered with an unexpected PDU \(opcode 0x23, task tag 0x[0-9a-f]{8}\)$/), expect.stringContaining('not checked')],
    ],
    [
      'sends login text without its NUL',
      (req, n, sn) => (n === 0 ? [rsp(OP.loginResponse, 0x81, req, sn, new TextEncoder().encode('TargetPortalGroupTag=1'))] : undefined),
      ['FAIL iscsi 127.0.0.1:PORT: discovery failed: the NAS sent text that ends without its NUL: "TargetPortalGroupTag=1"', expect.stringContaining('not checked')],
    ],
    [
      'rejects the SendTargets request',
      (req, _n, sn) => (req.opcode === OP.textRequest ? [rsp(OP.reject, 0x80, req, sn, req.bhs, (b) => (b[2] = 0x04))] : undefined),
      ['FAIL iscsi 127.0.0.1:PORT: discovery failed: the NAS rejected our request (Reject reason 0x04)', expect.stringContaining('not checked')],
    ],
    [
      'continues SendTargets forever',
      (req, _n, sn) => (req.opcode === OP.textRequest ? [rsp(OP.textResponse, 0x40, req, sn, encodeText([['TargetName', `${IQN}-${'x'.repeat(8000)}`]]), (b) => put32(b, 20, 7))] : undefined),
      ['FAIL iscsi 127.0.0.1:PORT: discovery failed: the NAS sent more than 262144 bytes of SendTargets text', expect.stringContaining('not checked')],
    ],
    [
      'refuses discovery, then the login of the target (target error)',
      (req, _n, sn) => (req.opcode === OP.loginRequest ? [rsp(OP.loginResponse, 0, req, sn, new Uint8Array(0), (b) => b.set([3, 0], 36))] : undefined),
      [
        'FAIL iscsi 127.0.0.1:PORT: refuses discovery (as iqn.2010-04.org.ipxe:00-00-00-00-00-00): the NAS refused the login: target error (login status 0x0300); each target is tried by logging in',
        `FAIL iscsi target disk1: ${IQN}, as iqn.2010-04.org.ipxe:00-00-00-00-00-00: the NAS refused the login: target error (login status 0x0300)`,
      ],
    ],
    [
      'sends REPORT LUNS data past what was asked',
      (req, _n, sn) => (req.opcode === OP.scsiCommand ? [rsp(OP.dataIn, 0x81, req, sn, new Uint8Array(16), (b) => put32(b, 40, 4090))] : undefined),
      ['ok iscsi 127.0.0.1:PORT: discovery lists 1 target (as iqn.2010-04.org.ipxe:00-00-00-00-00-00, N ms)', `FAIL iscsi target disk1: ${IQN}, as iqn.2010-04.org.ipxe:00-00-00-00-00-00: the NAS sent Data-In past the 4096 bytes asked for (offset 4090, 16 bytes)`],
    ],
    [
      'answers REPORT LUNS with less than its header',
      (req, _n, sn) => (req.opcode === OP.scsiCommand ? [rsp(OP.dataIn, 0x81, req, sn, new Uint8Array(4))] : undefined),
      [expect.stringMatching(/^ok/), `FAIL iscsi target disk1: ${IQN} offered; logged in as iqn.2010-04.org.ipxe:00-00-00-00-00-00; REPORT LUNS answered with less than its 8-byte header`],
    ],
    [
      'asks for CHAP with a malformed challenge',
      (req, _n, sn) =>
        req.opcode === OP.loginRequest && decodeText(req.data).some(([k]) => k === 'TargetName')
          ? [rsp(OP.loginResponse, 0x00, req, sn, encodeText([['AuthMethod', 'CHAP'], ['CHAP_A', '5'], ['CHAP_I', '1'], ['CHAP_C', '0xZZ']]))]
          : undefined,
      [expect.stringMatching(/^ok/), `FAIL iscsi target disk1: CHAP failed: ${IQN}, as iqn.2010-04.org.ipxe:00-00-00-00-00-00: the NAS sent a malformed CHAP challenge (CHAP_I=1, CHAP_C=0xZZ)`],
    ],
  ];

  for (const [what, answer, want] of cases) {
    it(what, async () => {
      const extra = what.includes('CHAP') ? "\toption chap_username 'u'\n\toption chap_password 'secret-123456'\n" : '';
      const { checks, ms } = await check(await portal(answer), extra);
      expect(lines(checks)).toEqual(want);
      // Each answer gets 0.3 s: a stalled one ends the check well within a second.
      expect(ms).toBeLessThan(2000);
    });
  }
});

describe('check against a portal whose answers are mangled at random (seeded)', () => {
  it('120 conversations with bytes flipped, cut or added: each ends with a line per portal and target, none throws', async () => {
    const r = random(14);
    let mode: (b: Uint8Array) => Uint8Array[] | 'close' = (b) => [b];
    const port = await portal((req, _n, sn) => {
      const good = tgtLike(req, sn);
      return r.chance(0.3) ? good : mode(good[0] ?? new Uint8Array(0));
    });
    const seen = new Set<string>();
    for (let i = 0; i < 120; i++) {
      const kind = r.int(5);
      mode = (b) => {
        const c = b.slice();
        if (kind === 0) for (let k = 0; k < 1 + r.int(4); k++) c[r.int(c.length)] = r.int(256);
        if (kind === 1) return [c.subarray(0, r.int(c.length))];
        if (kind === 2) return [c, Uint8Array.from({ length: r.int(100) }, () => r.int(256))];
        if (kind === 3) return r.chance(0.5) ? 'close' : [Uint8Array.from({ length: 48 + r.int(200) }, () => r.int(256))];
        if (kind === 4) c[1 + r.int(47)] ^= 1 << r.int(8);
        return [c];
      };
      const { checks, ms } = await check(port);
      expect(checks.map((c) => c.name.replace(/:\d+$/, ''))).toEqual(['iscsi 127.0.0.1', 'iscsi target disk1']);
      for (const c of checks) expect(c.detail).toMatch(/^\S.*\S$/);
      expect(ms).toBeLessThan(3000);
      for (const c of checks) seen.add(c.detail.replace(/\d+/g, 'N').slice(0, 40));
    }
    // The mangling reached many different failures, not one.
    expect(seen.size).toBeGreaterThan(8);
  }, 240000);
});

describe('CHAP values (RFC 7143 §6.1 large binary)', () => {
  it('decodes hex and base64 as tgt and iPXE do, and refuses anything else', () => {
    expect([...decodeBinary('0x0aFF')!]).toEqual([10, 255]);
    expect([...decodeBinary('0x1')!]).toEqual([1]);
    expect([...decodeBinary('0bAQID')!]).toEqual([1, 2, 3]);
    expect([...decodeBinary('0bAQI=')!]).toEqual([1, 2]);
    for (const bad of ['', '0x', '0xG1', '12', '0bA', '0b====', '0y00']) expect(decodeBinary(bad)).toBeUndefined();
    expect(encodeBinary(Uint8Array.of(0, 171))).toBe('0x00ab');
    expect(u32(Uint8Array.of(1, 2, 3, 4), 0)).toBe(0x01020304);
  });
});
