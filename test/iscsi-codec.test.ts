// The pure parts of src/iscsi: PDU layout (offsets from tgt 1.0.97
// usr/iscsi/iscsi_proto.h and iPXE v1.21.1 src/include/ipxe/iscsi.h), the
// reader over any chunking, key=value text, LUN fields as tgt writes them,
// and the typo suggestion.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nearest } from '../src/check/iscsi';
import { chapResponse } from '../src/iscsi/chap';
import { loginRequest, PduReader, scsiReadCommand, textRequest } from '../src/iscsi/pdu';
import { lunField, parseReportLuns, reportLunsCdb } from '../src/iscsi/scsi';
import { portalAddress } from '../src/iscsi/session';
import { decodeText, encodeText } from '../src/iscsi/text';
import { random } from './helpers/random';

const be32 = (b: Uint8Array, at: number) => Buffer.from(b).readUInt32BE(at);

describe('iSCSI PDUs', () => {
  it('a login request: immediate opcode, T|CSG|NSG flags, ISID, ITT, CmdSN, ExpStatSN, padded key=value data', () => {
    const data = encodeText([['InitiatorName', 'iqn.x:y']]);
    const b = loginRequest({ itt: 0x11223344, cmdSN: 1, expStatSN: 7, isid: Uint8Array.of(0x80, 1, 2, 3, 4, 5), csg: 1, nsg: 3, transit: true, data });
    expect(b[0]).toBe(0x43); // ISCSI_OP_LOGIN | ISCSI_OP_IMMEDIATE
    expect(b[1]).toBe(0x80 | (1 << 2) | 3); // ISCSI_FLAG_LOGIN_TRANSIT | CSG << 2 | NSG
    expect([b[5], b[6], b[7]]).toEqual([0, 0, data.length]);
    expect([...b.subarray(8, 14)]).toEqual([0x80, 1, 2, 3, 4, 5]);
    expect([be32(b, 16), be32(b, 24), be32(b, 28)]).toEqual([0x11223344, 1, 7]);
    expect(b.length).toBe(48 + Math.ceil(data.length / 4) * 4);
    expect(Buffer.from(b.subarray(48, 48 + data.length)).toString()).toBe('InitiatorName=iqn.x:y\0');
  });

  it('a REPORT LUNS command: F|R|SIMPLE, expected length, CDB at 32; a Text request with its TTT', () => {
    const b = scsiReadCommand({ itt: 2, cmdSN: 5, expStatSN: 9, lun: new Uint8Array(8), length: 4096, cdb: reportLunsCdb() });
    expect([b[0], b[1], be32(b, 20), b[32], be32(b, 38)]).toEqual([0x01, 0xc1, 4096, 0xa0, 4096]);
    const t = textRequest({ itt: 3, cmdSN: 6, expStatSN: 9, ttt: 0xffffffff, data: new Uint8Array(0) });
    expect([t[0], t[1], be32(t, 20), t.length]).toEqual([0x04, 0x80, 0xffffffff, 48]);
  });

  it('the reader gives the same PDUs however the stream is cut, skipping AHS and padding', () => {
    const one = textRequest({ itt: 1, cmdSN: 1, expStatSN: 1, ttt: 5, data: encodeText([['SendTargets', 'All']]) });
    const two = Uint8Array.from(scsiReadCommand({ itt: 2, cmdSN: 2, expStatSN: 1, lun: new Uint8Array(8), length: 8, cdb: reportLunsCdb() }));
    two[4] = 1; // one 4-byte AHS word after the BHS, then the (empty) data
    const stream = Uint8Array.from([...one, ...two.subarray(0, 48), 9, 9, 9, 9, ...two.subarray(48), 0, 0, 0, 0]);
    const r = random(3);
    for (let i = 0; i < 200; i++) {
      const reader = new PduReader(1024);
      const got: string[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = 1 + r.int(60);
        reader.push(stream.subarray(at, at + n));
        at += n;
        for (let p = reader.next(); p; p = reader.next()) got.push(`${p.opcode}:${p.data.length}:${be32(p.bhs, 16)}`);
      }
      expect(got).toEqual([`4:16:1`, `1:0:2`]);
      expect(reader.pending).toBe(4);
    }
  });

  it('refuses a data segment above its limit before buffering it', () => {
    const reader = new PduReader(100);
    const b = new Uint8Array(48);
    b.set([0x00, 0x01, 0x00], 5);
    reader.push(b);
    expect(() => reader.next()).toThrow('announced a 256-byte data segment (opcode 0x00), more than the 100 bytes this check accepts');
  });
});

describe('key=value text', () => {
  it('round-trips UTF-8, keeps repeated keys in order, skips NUL padding, refuses a pair without "="', () => {
    const pairs: [string, string][] = [['TargetName', 'iqn.2024-01.lan.nas:å'], ['TargetAddress', '[fd77::1]:3260,1'], ['TargetName', 'x'], ['Empty', '']];
    expect(decodeText(Uint8Array.from([...encodeText(pairs), 0, 0]))).toEqual(pairs);
    expect(decodeText(Uint8Array.of(0x61, 0x3d, 0xff, 0))).toEqual([['a', '\ufffd']]);
    expect(() => decodeText(Uint8Array.of(0x61, 0x62, 0))).toThrow('sent text that is not key=value: "ab"');
  });
});

describe('a redirect\'s TargetAddress (RFC 7143 §13.8)', () => {
  it('reads host, port and tag as tgt writes them; a missing port is 3260; anything else is no address', () => {
    expect(portalAddress('127.0.0.2:3261')).toEqual({ host: '127.0.0.2', port: 3261 });
    expect(portalAddress('10.0.0.5:3260,1')).toEqual({ host: '10.0.0.5', port: 3260 });
    expect(portalAddress('[fd77::1]:3262,1')).toEqual({ host: '[fd77::1]', port: 3262 });
    expect(portalAddress('nas.lan')).toEqual({ host: 'nas.lan', port: 3260 });
    for (const bad of ['', ':3260', 'nas:0', 'nas:99999', 'fd77::1', 'nas:32x']) expect(portalAddress(bad)).toBeUndefined();
  });
});

describe('SCSI fields', () => {
  it('LUNs as tgt writes them in REPORT LUNS (peripheral below 256, flat space above) read back', () => {
    expect([...lunField(1)!]).toEqual([0, 1, 0, 0, 0, 0, 0, 0]);
    expect([...lunField(300)!]).toEqual([0x41, 0x2c, 0, 0, 0, 0, 0, 0]);
    expect(lunField(20000)).toBeUndefined();
    const list = Uint8Array.from([0, 0, 0, 24, 0, 0, 0, 0, ...lunField(0)!, ...lunField(1)!, ...lunField(300)!]);
    expect(parseReportLuns(list)).toEqual([0, 1, 300]);
    // A list longer than what arrived is read as far as it goes.
    expect(parseReportLuns(list.subarray(0, 20))).toEqual([0]);
  });

  it('CHAP response is MD5(id ‖ secret ‖ challenge) (RFC 1994 §4.1)', () => {
    const md5 = (d: Uint8Array) => new Uint8Array(createHash('md5').update(d).digest());
    const challenge = Uint8Array.of(1, 2, 3, 250);
    expect(Buffer.from(chapResponse(md5, 7, 'secret-pc-12', challenge)).toString('hex')).toBe(
      createHash('md5').update(Buffer.concat([Buffer.of(7), Buffer.from('secret-pc-12'), Buffer.from(challenge)])).digest('hex'),
    );
  });
});

describe('the nearest offered name', () => {
  const offered = ['iqn.2024-01.lan.nas:win10', 'iqn.2024-01.lan.nas:debian12', 'iqn.2024-01.lan.nas:Games'];
  it('is suggested for a typo, a swapped pair, a case slip; not for a different name', () => {
    expect(nearest('iqn.2024-01.lan.nas:win01', offered)).toBe('iqn.2024-01.lan.nas:win10');
    expect(nearest('iqn.2024-01.lan.nas:debain12', offered)).toBe('iqn.2024-01.lan.nas:debian12');
    expect(nearest('iqn.2024-01.lan.nas:games', offered)).toBe('iqn.2024-01.lan.nas:Games');
    expect(nearest('iqn.2024-1.lan.nas:win10', offered)).toBe('iqn.2024-01.lan.nas:win10');
    expect(nearest('iqn.2024-01.lan.nas:ubuntu-24', offered)).toBeUndefined();
    expect(nearest('iqn.2024-01.lan.nas:win10', [])).toBeUndefined();
  });
});
