// A PC's network boot as the router's dnsmasq sees it, for tests that run
// inside a network namespace with no address yet: one DHCP exchange
// (DISCOVER, OFFER, REQUEST, ACK; broadcast flag set, as PXE ROMs and iPXE
// set it) with the options that firmware sends, then TFTP fetches once the
// caller has configured the leased address.
//
//   node pxe-client.mjs dhcp '{"mac":"52:54:00:12:34:56","arch":7,"ipxe":false}'
//     prints {"ip":"...","server":"...","file":"..."}
//   node pxe-client.mjs tftp SERVER FILE...
//
// Options as the firmware sends them: option 60 "PXEClient:Arch:<arch>:UNDI:
// 003016" and 93 (RFC 4578) from EDK2's and iPXE's PXE clients; iPXE adds
// option 77 "iPXE" as a plain string (ipxe src/net/udp/dhcp.c, DHCP_USER_CLASS_ID).
// With "http":true, what EDK2's HTTP Boot client sends instead (tianocore/edk2
// NetworkPkg/HttpBootDxe/HttpBootDhcp4.c at 0dc59296, HttpBootBuildDhcp4Options;
// option codes from MdePkg/Include/IndustryStandard/Dhcp.h):
// option 60 "HTTPClient:Arch:<arch>:UNDI:003000" and its parameter request list
// (27 bytes, the 25th left 0 there too); the reply's option 60 is printed as "vendor".
// "vendorclass" replaces the request's option 60, as iPXE's `vendor-class`
// setting does (dhcp_request_settings in ipxe's dhcp.c).

import dgram from 'node:dgram';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const MAGIC = [99, 130, 83, 99];
const DISCOVER = 1;
const OFFER = 2;
const REQUEST = 3;
const ACK = 5;

function option(code, bytes) {
  return [code, bytes.length, ...bytes];
}

function packet(pc, xid, type, extra) {
  const head = Buffer.alloc(236);
  head[0] = 1; // BOOTREQUEST
  head[1] = 1; // ethernet
  head[2] = 6;
  head.writeUInt32BE(xid, 4);
  head.writeUInt16BE(0x8000, 10); // broadcast: the client has no address to unicast to
  Buffer.from(pc.mac.split(':').map((h) => parseInt(h, 16))).copy(head, 28);
  const arch = String(pc.arch).padStart(5, '0');
  const vendor = pc.http ? `HTTPClient:Arch:${arch}:UNDI:003000` : `PXEClient:Arch:${arch}:UNDI:003016`;
  // EDK2: netmask, time offset, router, time server, name server, DNS, host name, boot file size, domain, root path,
  // extensions path, max reassembly (22), TTL, broadcast, NIS domain, NIS servers, NTP, vendor, requested IP, lease, server id, T1, T2,
  // vendor class, (0), boot file, UUID.
  const wanted = pc.http ? [1, 2, 3, 4, 5, 6, 12, 13, 15, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58, 59, 60, 0, 67, 97] : [1, 3, 6, 43, 54, 60, 66, 67, 128, 175];
  const opts = [
    ...option(53, [type]),
    ...option(60, [...Buffer.from(pc.vendorclass ?? vendor)]),
    ...option(93, [pc.arch >> 8, pc.arch & 255]),
    ...option(94, [1, 3, 16]),
    ...(pc.ipxe ? option(77, [...Buffer.from('iPXE')]) : []),
    ...option(55, wanted),
    ...extra,
    255,
  ];
  return Buffer.concat([head, Buffer.from(MAGIC), Buffer.from(opts)]);
}

function parse(msg) {
  const opts = new Map();
  for (let i = 240; i < msg.length && msg[i] !== 255; ) {
    if (msg[i] === 0) {
      i++;
      continue;
    }
    opts.set(msg[i], msg.subarray(i + 2, i + 2 + msg[i + 1]));
    i += 2 + msg[i + 1];
  }
  const file = msg.subarray(108, 236).toString('latin1').replace(/\0.*$/s, '');
  return { xid: msg.readUInt32BE(4), yiaddr: [...msg.subarray(16, 20)].join('.'), type: opts.get(53)?.[0], opts, file };
}

async function dhcp(pc) {
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise((resolve) => sock.bind(68, resolve));
  sock.setBroadcast(true);
  const xid = (Math.random() * 2 ** 32) >>> 0;
  const replies = [];
  let wake = () => {};
  sock.on('message', (msg) => {
    const r = parse(msg);
    if (r.xid === xid) replies.push(r);
    wake();
  });
  const expect = async (type, what) => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const i = replies.findIndex((r) => r.type === type);
      if (i >= 0) return replies.splice(i, 1)[0];
      if (Date.now() > deadline) throw new Error(`no DHCP ${what} from the server`);
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, 200);
      });
    }
  };
  const send = (buf) => new Promise((resolve, reject) => sock.send(buf, 67, '255.255.255.255', (e) => (e ? reject(e) : resolve())));
  await send(packet(pc, xid, DISCOVER, []));
  const offer = await expect(OFFER, 'OFFER');
  const server = [...offer.opts.get(54)];
  await send(packet(pc, xid, REQUEST, [...option(50, offer.yiaddr.split('.').map(Number)), ...option(54, server)]));
  const ack = await expect(ACK, 'ACK');
  sock.close();
  // dnsmasq ends option 67 with a NUL, as many servers do.
  const vendor = ack.opts.get(60)?.toString('latin1');
  return { ip: ack.yiaddr, server: server.join('.'), file: (ack.opts.get(67)?.toString('latin1') ?? ack.file).replace(/\0+$/, ''), ...(vendor ? { vendor } : {}) };
}

async function tftp(server, files) {
  const Client = require('tftp/lib/client');
  const client = new Client({ host: server, port: 69, retries: 3, timeout: 2000 });
  for (const file of files) {
    await new Promise((resolve, reject) => {
      const stream = client.createGetStream(file);
      stream.on('data', () => {});
      stream.on('end', resolve);
      stream.on('error', (e) => reject(new Error(`tftp ${file}: ${e.message}`)));
    });
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'dhcp') process.stdout.write(`${JSON.stringify(await dhcp(JSON.parse(args[0])))}\n`);
else if (mode === 'tftp') await tftp(args[0], args.slice(1));
else throw new Error(`usage: pxe-client.mjs dhcp JSON | tftp SERVER FILE...`);
