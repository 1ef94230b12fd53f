#!/usr/bin/env python3
# What a sleeping PC's network card sees: every Ethernet frame arriving on
# DEVICE (an AF_PACKET socket, root only; the namespace needs no IP address,
# as a powered-off PC has none). Prints "ready", then, for the first frame that
# is a Wake-on-LAN frame (EtherType 0x0842, as etherwake sends) or an IPv4 UDP
# datagram to port 9, one line:
#   ether DST SRC PAYLOAD_HEX
#   udp DST SRC_IP DST_IP DST_PORT PAYLOAD_HEX
# and exits; exits 1 after SECONDS with nothing.
import socket
import struct
import sys

device, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))  # ETH_P_ALL
s.bind((device, 0))
s.settimeout(seconds)
print("ready", flush=True)
mac = lambda b: ":".join("%02x" % x for x in b)
try:
    while True:
        try:
            frame = s.recv(65535)
        except OSError as e:
            if e.errno == 100:  # ENETDOWN: the link was still coming up when the socket was bound
                continue
            raise
        dst, src, kind = frame[0:6], frame[6:12], struct.unpack("!H", frame[12:14])[0]
        if kind == 0x0842:
            print("ether", mac(dst), mac(src), frame[14:].hex(), flush=True)
            break
        if kind == 0x0800 and frame[23] == 17:
            ihl = (frame[14] & 0x0F) * 4
            udp = frame[14 + ihl:]
            port, length = struct.unpack("!H", udp[2:4])[0], struct.unpack("!H", udp[4:6])[0]
            if port == 9:
                ips = [socket.inet_ntoa(frame[26:30]), socket.inet_ntoa(frame[30:34])]
                print("udp", mac(dst), ips[0], ips[1], port, udp[8:length].hex(), flush=True)
                break
except socket.timeout:
    sys.exit(1)
