// The Wake-on-LAN "magic packet" (AMD's Magic Packet Technology white paper,
// as etherwake and every WoL sender build it): six 0xff bytes, then the
// target's MAC sixteen times, 102 bytes in all. The network card looks for
// this pattern anywhere in a frame, so the same bytes go in a UDP datagram
// (node) or straight after an Ethernet header (etherwake, EtherType 0x0842).

export const MAGIC_PACKET_BYTES = 102;

/** `mac`: six bytes as lower-case hex separated by colons (checkMac's form). */
export function magicPacket(mac: string): Uint8Array {
  const bytes = mac.split(':').map((b) => parseInt(b, 16));
  if (bytes.length !== 6 || bytes.some((b) => !(b >= 0 && b <= 255))) throw new Error(`not a MAC address: ${JSON.stringify(mac)}`);
  const packet = new Uint8Array(MAGIC_PACKET_BYTES).fill(0xff, 0, 6);
  for (let i = 0; i < 16; i++) packet.set(bytes, 6 + i * 6);
  return packet;
}
