// A PC's request to register itself, as it reaches the router. The request
// travels as the DHCP vendor class (option 60) of a DHCP exchange the PC's
// menu starts (src/ipxe/render.ts, nb-register): iPXE copies its
// `vendor-class` setting into every DHCP request (ipxe v1.21.1
// src/net/udp/dhcp.c, dhcp_request_settings), and dnsmasq runs its script for
// every completed exchange, with the class in DNSMASQ_VENDOR_CLASS. A TFTP
// fetch cannot carry a typed name: dnsmasq reports only files it sent whole
// (src/tftp.c, do_tftp_script_run: finished transfers only), and no file is
// named after a name nobody has typed yet.
//
//   netboot-register:<attempt>:<target>:<name as hex>
//
// <attempt> is the PC's clock when it asked, so it can tell this answer from
// one to an earlier request: ${unixtime}, a uint32 setting that iPXE formats
// "%#lx" (src/core/settings.c, format_uint_setting), e.g. 0x6b0f6024. The name goes as hex
// (${nb-reg-name:hexraw}) because iPXE expands `${` again inside an expanded
// value: hex digits are the only form of typed text that can be put into an
// iPXE command and stay text. Everything here comes from the LAN: it is
// checked, never trusted.

import type { Model } from '../config/model';

export const REQUEST_PREFIX = 'netboot-register:';

/** DHCP options hold at most 255 bytes; the request must fit in one. */
export const MAX_REQUEST = 255;
/** A host name is one DNS label. */
export const MAX_NAME = 63;
/** What a typed host name may hold (a DNS label), as the PC's screen says it. */
export const NAME_RULE = `letters, digits and "-" (not first or last), at most ${MAX_NAME}`;
/** ${unixtime} as iPXE formats it: "0x" and up to 8 hex digits ("0" at the epoch). */
export const ATTEMPT = /^(?:0|0x[0-9a-f]{1,8})$/;
const MAX_ATTEMPT = 10;
/** The longest target name a request has room for with the longest name. */
export const MAX_TARGET = MAX_REQUEST - REQUEST_PREFIX.length - MAX_ATTEMPT - 2 * MAX_NAME - 2;

export interface RegisterRequest {
  mac: string;
  /** As ATTEMPT says: the PC compares the answer's with its own. */
  attempt: string;
  /** As sent: not yet known to be a target, nor even a name. */
  target: string;
  /** As typed, decoded from hex; may be anything. */
  name: string;
}

/** A request whose attempt can be answered, though the rest could not be read. */
export interface UnreadableRequest {
  mac: string;
  attempt: string;
  unreadable: string;
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export const isRequest = (vendorclass: string | null | undefined): vendorclass is string => !!vendorclass?.startsWith(REQUEST_PREFIX);

/**
 * The request in a DHCP vendor class, or undefined when the class is no
 * request or has no attempt to answer to.
 */
export function parseRequest(mac: string, vendorclass: string | null | undefined): RegisterRequest | UnreadableRequest | undefined {
  if (!isRequest(vendorclass)) return undefined;
  const [attempt, target, hex, ...rest] = vendorclass.slice(REQUEST_PREFIX.length).split(':');
  if (attempt === undefined || !ATTEMPT.test(attempt)) return undefined;
  if (target === undefined || hex === undefined || rest.length) return { mac, attempt, unreadable: 'the request did not have the form netboot-register:TIME:TARGET:NAME' };
  if (!HEX.test(hex)) return { mac, attempt, unreadable: 'the name in the request was not hex' };
  // Bytes, not UTF-8: the name check below takes ASCII only, so nothing is lost.
  let name = '';
  for (let i = 0; i < hex.length; i += 2) name += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return { mac, attempt, target, name };
}


/** The targets a PC can register for: a request names one, so its name must fit. */
export const registrable = (m: Model) => m.targets.filter((t) => t.name.length <= MAX_TARGET);
