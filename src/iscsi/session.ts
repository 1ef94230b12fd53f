// An iSCSI initiator just big enough to ask a NAS what netboot needs to know:
// a discovery session's SendTargets, a normal login (CHAP and mutual CHAP as
// iPXE does them), REPORT LUNS, READ CAPACITY, logout. It speaks over a Wire
// (bytes in and out, every read bounded in time), so the conversation is the
// same against a real socket and a test's scripted peer.
//
// The login follows iPXE v1.21.1 src/net/tcp/iscsi.c (iscsi_start_login,
// iscsi_build_login_request_strings, iscsi_handle_*_value,
// iscsi_rx_login_response): every request asks to transit (T=1); the
// security stage offers AuthMethod=CHAP,None with credentials (CHAP alone for
// mutual CHAP), None without; CHAP_A=5; then CHAP_N/CHAP_R (and CHAP_I/CHAP_C
// to check the target); the operational stage sends iPXE's fourteen keys.
// The target side it was checked against is tgt 1.0.97 usr/iscsi/iscsid.c
// (cmnd_exec_login, text_scan_security, cmnd_exec_text) and chap.c.

import type { Md5 } from './chap';
import { chapResponse, decodeBinary, encodeBinary } from './chap';
import { IscsiError } from './errors';
import {
  dataIn,
  hex,
  idleNopIn,
  itt,
  loginRequest,
  loginResponse,
  logoutRequest,
  OP,
  type Pdu,
  PduReader,
  rejectReason,
  RESERVED_TAG,
  scsiReadCommand,
  scsiResponse,
  STAGE,
  statSN,
  textRequest,
  textResponse,
} from './pdu';
import { parseSense, statusText, UNIT_ATTENTION } from './scsi';
import { decodeText, encodeText, type Pairs, valueOf } from './text';

/** Bytes to and from the portal. read() resolves with the next bytes that arrived, or rejects (IscsiError 'timeout' or 'connection'). */
export interface Wire {
  send(bytes: Uint8Array): void;
  read(timeoutMs: number): Promise<Uint8Array>;
  close(): void;
}

export interface Limits {
  /** Time for each whole answer (a login response, a text response, a command's data and status). */
  timeoutMs: number;
  /** The largest data segment accepted in one PDU. */
  maxData: number;
  /** The most bytes one answer may add up to over several PDUs (SendTargets continued). */
  maxText: number;
}

export const DEFAULT_LIMITS: Limits = { timeoutMs: 5000, maxData: 65536, maxText: 262144 };

/** PDUs one answer may take before the peer is considered to babble. */
const MAX_PDUS = 64;

export interface Credentials {
  username: string;
  password: string;
  reverseUsername?: string;
  reversePassword?: string;
}

export interface LoginOptions {
  initiator: string;
  /** The target's name; none for a discovery session. */
  target?: string;
  chap?: Credentials;
  md5: Md5;
  random: (n: number) => Uint8Array;
}

export interface LoginResult {
  auth: 'none' | 'CHAP' | 'mutual CHAP';
}

/** What iPXE sends in the operational stage (iscsi_build_login_request_strings, with its reasons). */
const OPERATIONAL: Pairs = [
  ['HeaderDigest', 'None'],
  ['DataDigest', 'None'],
  ['MaxConnections', '1'],
  ['InitialR2T', 'Yes'],
  ['ImmediateData', 'No'],
  ['MaxRecvDataSegmentLength', '8192'],
  ['MaxBurstLength', '262144'],
  ['FirstBurstLength', '65536'],
  ['DefaultTime2Wait', '0'],
  ['DefaultTime2Retain', '0'],
  ['MaxOutstandingR2T', '1'],
  ['DataPDUInOrder', 'Yes'],
  ['DataSequenceInOrder', 'Yes'],
  ['ErrorRecoveryLevel', '0'],
];
/** A discovery session negotiates only what applies to it (RFC 7143 §13: the rest is "Irrelevant" there). */
const OPERATIONAL_DISCOVERY: Pairs = OPERATIONAL.filter(([k]) => ['HeaderDigest', 'DataDigest', 'MaxRecvDataSegmentLength'].includes(k));

/** RFC 7143 §11.13.5, in words a NAS owner can act on. */
const LOGIN_STATUS: Record<number, string> = {
  0x0200: 'initiator error',
  0x0201: 'authentication failed',
  0x0202: 'this initiator is not allowed to use it (authorization failure)',
  0x0203: 'no such target on this portal',
  0x0204: 'the target was removed',
  0x0205: 'unsupported iSCSI version',
  0x0206: 'too many connections',
  0x0207: 'a login parameter is missing',
  0x0208: 'the connection cannot join the session',
  0x0209: 'this session type is not supported',
  0x020a: 'the session does not exist',
  0x020b: 'invalid request during login',
  0x0300: 'target error',
  0x0301: 'the service is unavailable',
  0x0302: 'the target is out of resources',
};
export const loginStatusText = (status: number) => `${LOGIN_STATUS[status] ?? 'login refused'} (login status 0x${hex(status, 4)})`;

export class Connection {
  private readonly reader: PduReader;
  private tag = 0;
  private cmdSN = 1;
  private expStatSN = 0;
  private readonly isid: Uint8Array;

  constructor(
    private readonly wire: Wire,
    private readonly limits: Limits,
    random: (n: number) => Uint8Array,
  ) {
    this.reader = new PduReader(limits.maxData);
    // ISID type 2, "random" (RFC 7143 §11.12.5): 0x80, then 40 random bits.
    this.isid = random(6);
    this.isid[0] = 0x80;
  }

  private nextTag(): number {
    this.tag = (this.tag + 1) & 0x7fffffff;
    return this.tag;
  }

  /** The next PDU for task `tag` within `deadline`; idle NOP-Ins and async messages are passed over. */
  private async receive(tag: number, deadline: number, now: () => number): Promise<Pdu> {
    for (let seen = 0; seen < MAX_PDUS; seen++) {
      let p = this.reader.next();
      while (!p) {
        const left = deadline - now();
        if (left <= 0) throw this.timedOut();
        this.reader.push(await this.wire.read(left).catch((e: unknown) => {
          throw e instanceof IscsiError && e.kind === 'timeout' ? this.timedOut() : e;
        }));
        p = this.reader.next();
      }
      if (p.opcode === OP.reject) throw new IscsiError('protocol', `rejected our request (Reject reason 0x${hex(rejectReason(p))})`);
      if (idleNopIn(p) || p.opcode === OP.asyncMessage) continue;
      if (itt(p) !== tag) throw new IscsiError('protocol', `answered with an unexpected PDU (opcode 0x${hex(p.opcode)}, task tag 0x${hex(itt(p), 8)})`);
      return p;
    }
    throw new IscsiError('protocol', `sent more than ${MAX_PDUS} PDUs for one request`);
  }

  private timedOut() {
    const part = this.reader.pending ? ` (${this.reader.pending} bytes of a PDU arrived)` : '';
    return new IscsiError('timeout', `sent no whole answer within ${this.limits.timeoutMs / 1000} s${part}`);
  }

  private expect(p: Pdu, opcode: number, what: string) {
    if (p.opcode !== opcode) throw new IscsiError('protocol', `answered a ${what} with opcode 0x${hex(p.opcode)} instead of 0x${hex(opcode)}`);
  }

  private seq(tag: number) {
    return { itt: tag, cmdSN: this.cmdSN, expStatSN: this.expStatSN };
  }

  private sawStatus(p: Pdu) {
    this.expStatSN = (statSN(p) + 1) >>> 0;
  }

  /** Leading login of a new session, through security (CHAP if asked) and operational negotiation to full feature phase. */
  async login(o: LoginOptions, now: () => number): Promise<LoginResult> {
    const tag = this.nextTag();
    const chap = o.chap;
    const mutual = !!(chap?.reverseUsername && chap.reversePassword);
    const first: Pairs = [
      ['InitiatorName', o.initiator],
      ...(o.target !== undefined ? ([['TargetName', o.target]] as Pairs) : []),
      ['SessionType', o.target !== undefined ? 'Normal' : 'Discovery'],
      ['AuthMethod', mutual ? 'CHAP' : chap ? 'CHAP,None' : 'None'],
    ];
    let stage: number = STAGE.security;
    let auth: LoginResult['auth'] = 'none';
    let ourChallenge: { id: number; challenge: Uint8Array } | undefined;
    let targetProved = false;
    let send = first;
    // Security: offer, CHAP_A, CHAP_N/R; operational: keys, and a few more rounds if the target wants them.
    for (let round = 0; round < 8; round++) {
      const next = stage === STAGE.security ? STAGE.operational : STAGE.fullFeature;
      this.wire.send(loginRequest({ ...this.seq(tag), isid: this.isid, csg: stage, nsg: next, transit: true, data: encodeText(send) }));
      const p = await this.receive(tag, now() + this.limits.timeoutMs, now);
      this.expect(p, OP.loginResponse, 'login');
      const r = loginResponse(p);
      const status = (r.statusClass << 8) | r.statusDetail;
      if (status) {
        const kind = r.statusClass === 2 && r.statusDetail === 1 ? 'auth' : 'login';
        const address = r.statusClass === 1 ? valueOf(safeText(p.data), 'TargetAddress') : undefined;
        const said = r.statusClass === 1 ? `redirected the login to ${address ?? 'nowhere (no TargetAddress)'} (login status 0x${hex(status, 4)})` : `refused the login: ${loginStatusText(status)}`;
        throw new IscsiError(kind, said, status, address === undefined ? undefined : portalAddress(address));
      }
      this.sawStatus(p);
      const keys = decodeText(p.data);
      send = [];
      if (stage === STAGE.security) {
        const method = valueOf(keys, 'AuthMethod');
        if (method === 'CHAP') {
          if (!chap) throw new IscsiError('auth', 'asks for CHAP, and no chap_username/chap_password are set for it');
          auth = mutual ? 'mutual CHAP' : 'CHAP';
          if (!valueOf(keys, 'CHAP_A') && !valueOf(keys, 'CHAP_C')) send = [['CHAP_A', '5']];
        } else if (method === 'None' && mutual) {
          throw new IscsiError('auth', 'does not authenticate itself (AuthMethod=None), yet mutual CHAP is set');
        } else if (method !== undefined && method !== 'None') {
          throw new IscsiError('auth', `refused the authentication netboot offers (AuthMethod=${method})`);
        }
        const a = valueOf(keys, 'CHAP_A');
        if (a !== undefined && a !== '5') throw new IscsiError('auth', `chose CHAP algorithm ${a}; iPXE and this check offer only 5 (MD5)`);
        const i = valueOf(keys, 'CHAP_I');
        const c = valueOf(keys, 'CHAP_C');
        if (i !== undefined || c !== undefined) {
          const id = Number(i);
          const challenge = c === undefined ? undefined : decodeBinary(c);
          if (!chap || i === undefined || !/^\d+$/.test(i) || id > 255 || !challenge?.length) throw new IscsiError('auth', `sent a malformed CHAP challenge (CHAP_I=${i ?? '-'}, CHAP_C=${c ?? '-'})`);
          send = [
            ['CHAP_N', chap.username],
            ['CHAP_R', encodeBinary(chapResponse(o.md5, id, chap.password, challenge))],
          ];
          if (mutual) {
            const ours = o.random(17);
            ourChallenge = { id: ours[0], challenge: ours.subarray(1) };
            send.push(['CHAP_I', String(ourChallenge.id)], ['CHAP_C', encodeBinary(ourChallenge.challenge)]);
          }
        }
        const n = valueOf(keys, 'CHAP_N');
        const resp = valueOf(keys, 'CHAP_R');
        if (resp !== undefined && ourChallenge && chap?.reversePassword) {
          if (n !== chap.reverseUsername) throw new IscsiError('auth', `answered mutual CHAP as ${JSON.stringify(n ?? '')}, not reverse_chap_username ${JSON.stringify(chap.reverseUsername)}`);
          const want = chapResponse(o.md5, ourChallenge.id, chap.reversePassword, ourChallenge.challenge);
          const got = decodeBinary(resp);
          if (!got || got.length !== want.length || got.some((b, k) => b !== want[k])) throw new IscsiError('auth', "answered mutual CHAP with a response that does not match reverse_chap_password (the NAS's own secret)");
          targetProved = true;
        }
        if (r.transit) {
          if (mutual && !targetProved) throw new IscsiError('auth', 'left the security stage without answering our mutual CHAP challenge');
          stage = r.nsg === STAGE.fullFeature ? STAGE.fullFeature : STAGE.operational;
          send = stage === STAGE.operational ? (o.target !== undefined ? OPERATIONAL : OPERATIONAL_DISCOVERY) : [];
        }
      } else if (r.transit && r.nsg === STAGE.fullFeature) {
        stage = STAGE.fullFeature;
      } else {
        // The target proposed keys of its own: accept its values, as the RFC lets a responder (§6.2).
        send = keys.filter(([k]) => !OPERATIONAL.some(([ours]) => ours === k));
      }
      if (stage === STAGE.fullFeature) return { auth };
    }
    throw new IscsiError('protocol', 'did not finish the login within 8 exchanges');
  }

  /** SendTargets=All in a discovery session: each target's name and its addresses (RFC 7143 §12.3). */
  async sendTargets(now: () => number): Promise<{ name: string; addresses: string[] }[]> {
    const tag = this.nextTag();
    const deadline = now() + this.limits.timeoutMs;
    const parts: Uint8Array[] = [];
    let size = 0;
    let ttt = RESERVED_TAG;
    let data = encodeText([['SendTargets', 'All']]);
    for (;;) {
      this.wire.send(textRequest({ ...this.seq(tag), ttt, data }));
      this.cmdSN++;
      const p = await this.receive(tag, deadline, now);
      this.expect(p, OP.textResponse, 'Text request');
      this.sawStatus(p);
      const r = textResponse(p);
      size += p.data.length;
      if (size > this.limits.maxText) throw new IscsiError('protocol', `sent more than ${this.limits.maxText} bytes of SendTargets text`);
      parts.push(p.data);
      // Continued (C bit, or F clear with a TTT): ask for the rest with an empty request carrying its TTT.
      if (r.final && !r.more) break;
      if (r.ttt === RESERVED_TAG) throw new IscsiError('protocol', 'continued its SendTargets answer without a Target Transfer Tag');
      ttt = r.ttt;
      data = new Uint8Array(0);
    }
    const all = new Uint8Array(size);
    parts.reduce((at, part) => (all.set(part, at), at + part.length), 0);
    const targets: { name: string; addresses: string[] }[] = [];
    for (const [k, v] of decodeText(all)) {
      if (k === 'TargetName') targets.push({ name: v, addresses: [] });
      else if (k === 'TargetAddress' && targets.length) targets[targets.length - 1].addresses.push(v);
      else if (k === 'SendTargets' && v === 'Reject') throw new IscsiError('protocol', 'rejected SendTargets=All');
    }
    return targets;
  }

  /**
   * A SCSI command that reads up to `length` bytes from `lun`: Data-In PDUs
   * placed at their offsets, then the status in the last Data-In (S bit) or
   * in a SCSI Response (with sense data on CHECK CONDITION).
   */
  async read(lun: Uint8Array, cdb: Uint8Array, length: number, now: () => number): Promise<Uint8Array> {
    const tag = this.nextTag();
    const deadline = now() + this.limits.timeoutMs;
    this.wire.send(scsiReadCommand({ ...this.seq(tag), lun, length, cdb }));
    this.cmdSN++;
    const buf = new Uint8Array(length);
    let got = 0;
    for (;;) {
      const p = await this.receive(tag, deadline, now);
      if (p.opcode === OP.dataIn) {
        const d = dataIn(p);
        if (d.offset + p.data.length > length) throw new IscsiError('protocol', `sent Data-In past the ${length} bytes asked for (offset ${d.offset}, ${p.data.length} bytes)`);
        buf.set(p.data, d.offset);
        got = Math.max(got, d.offset + p.data.length);
        if (d.status === undefined) continue;
        this.sawStatus(p);
        if (d.status !== 0) throw new IscsiError('scsi', `answered with ${statusText(d.status)}`);
        return buf.subarray(0, got);
      }
      this.expect(p, OP.scsiResponse, 'SCSI command');
      this.sawStatus(p);
      const r = scsiResponse(p);
      if (r.response !== 0) throw new IscsiError('scsi', `could not run the command (iSCSI response 0x${hex(r.response)}: target failure)`);
      if (r.status !== 0) {
        const sense = parseSense(r.sense);
        throw new ScsiStatusError(`answered with ${statusText(r.status)}${sense ? ` (${sense.text})` : ''}`, sense?.key);
      }
      return buf.subarray(0, got);
    }
  }

  /** read(), once more after a UNIT ATTENTION: the first command of a session may get one (a power-on or reset report). */
  async readOnce(lun: Uint8Array, cdb: Uint8Array, length: number, now: () => number): Promise<Uint8Array> {
    try {
      return await this.read(lun, cdb, length, now);
    } catch (e) {
      if (e instanceof ScsiStatusError && e.senseKey === UNIT_ATTENTION) return this.read(lun, cdb, length, now);
      throw e;
    }
  }

  /** Logout, waiting briefly for its answer; the connection is closed either way. */
  async logout(now: () => number): Promise<void> {
    const tag = this.nextTag();
    try {
      this.wire.send(logoutRequest(this.seq(tag)));
      const p = await this.receive(tag, now() + Math.min(this.limits.timeoutMs, 1000), now);
      this.expect(p, OP.logoutResponse, 'logout');
    } finally {
      this.wire.close();
    }
  }
}

export class ScsiStatusError extends IscsiError {
  constructor(
    message: string,
    readonly senseKey: number | undefined,
  ) {
    super('scsi', message);
  }
}

/** TargetAddress: domainname[:port][,tag] (RFC 7143 §13.8), an IPv6 address in brackets; the port defaults to 3260. */
export function portalAddress(v: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:,[\]]+)(?::(\d{1,5}))?(?:,\d+)?$/.exec(v);
  const port = m?.[2] === undefined ? 3260 : Number(m[2]);
  return m && port > 0 && port < 65536 ? { host: m[1], port } : undefined;
}

function safeText(data: Uint8Array): Pairs {
  try {
    return decodeText(data);
  } catch {
    return [];
  }
}
