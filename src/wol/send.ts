// Sending the magic packet: the engine's own sockets where it has them (node:
// one UDP datagram from the interface's address to its broadcast address,
// port 9, "discard", which WoL senders use by convention), else the router's
// etherwake (qjs has no sockets). OpenWrt's etherwake package is Debian's
// etherwake 1.09 (openwrt/packages net/etherwake/Makefile builds its
// ether-wake.c, installed as /usr/bin/etherwake): `-i IFACE` picks the device
// and `-b` sends to the Ethernet broadcast address; it needs root (rpcd and
// the CLI on the router run as root), reports failures on stderr and exits
// non-zero.

import { platform, which, type NodeNet } from '../platform';
import type { Subnet } from './network';
import { magicPacket } from './packet';

export const WOL_PORT = 9;

/** How the packet went, for the reply; a failure throws an Error that says why. */
export async function sendMagicPacket(mac: string, subnet: Subnet): Promise<string> {
  if (platform.net) return sendUdp(platform.net, mac, subnet);
  return etherwake(mac, subnet);
}

async function sendUdp(net: NodeNet, mac: string, subnet: Subnet): Promise<string> {
  const socket = net.dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      // Bound to the interface's own address, the datagram leaves by that interface.
      socket.bind({ address: subnet.address, port: 0, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    socket.setBroadcast(true);
    await new Promise<void>((resolve, reject) => socket.send(magicPacket(mac), WOL_PORT, subnet.broadcast, (e) => (e ? reject(e) : resolve())));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRNOTAVAIL') throw new Error(`network.${subnet.iface}.ipaddr ${subnet.address} is not an address of this machine`);
    throw new Error(`sending to ${subnet.broadcast} port ${WOL_PORT} from ${subnet.address} failed: ${(e as Error).message}`);
  } finally {
    socket.close();
  }
  return `to ${subnet.broadcast} port ${WOL_PORT} on ${subnet.iface} (${subnet.device})`;
}

function etherwake(mac: string, subnet: Subnet): string {
  const path = which('etherwake');
  if (!path) throw new Error('this router has no etherwake command: under qjs netboot sends the magic packet with it; install the package etherwake (apk add etherwake, or opkg install etherwake)');
  const r = platform.exec([path, '-b', '-i', subnet.device, mac]);
  if (r.status !== 0) throw new Error(`etherwake -b -i ${subnet.device} ${mac} failed (exit status ${r.status})${r.stderr.trim() ? `: ${r.stderr.trim()}` : ''}`);
  return `with etherwake on ${subnet.iface} (${subnet.device})`;
}
