// The URL grammar netboot accepts: scheme://[userinfo@]host[:port][/path][?query][#fragment],
// judged as the WHATWG URL parser (node's and the browser's `URL`, which the
// LuCI form uses) judges it, for the schemes iPXE fetches. Our own because
// QuickJS has no URL. Narrower than WHATWG on purpose: "//" is required
// after the scheme, and host names are ASCII (iPXE resolves no IDN).

export interface ParsedUrl {
  /** Lower case, without ':'. */
  scheme: string;
  host: string;
  port?: number;
  /** Everything up to the path: scheme, userinfo, host and port, as written. */
  prefix: string;
}

const SPECIAL = new Set(['http', 'https', 'ftp', 'ws', 'wss', 'file']);
// WHATWG "forbidden host code points", and for special schemes the domain ones (% and controls too).
const FORBIDDEN_HOST = /[\0\t\n\r #/:<>?@[\\\]^|]/;
const FORBIDDEN_DOMAIN = /[\0-\x1f #%/:<>?@[\\\]^|\x7f]/;

/** WHATWG's IPv4 number: decimal, 0x hex or 0 octal; undefined when it is none. */
function ipv4Number(s: string): number | undefined {
  if (/^0[xX][0-9a-fA-F]*$/.test(s)) return s.length === 2 ? 0 : parseInt(s.slice(2), 16);
  if (/^0[0-9]/.test(s)) return /^0[0-7]+$/.test(s) ? parseInt(s, 8) : undefined;
  return /^[0-9]+$/.test(s) ? Number(s) : undefined;
}

/** A domain whose last label is a number is an IPv4 address to WHATWG, and must then be a valid one. */
function domainOk(host: string): boolean {
  const parts = host.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const last = parts[parts.length - 1];
  if (!/^[0-9]+$/.test(last) && ipv4Number(last) === undefined) return true;
  if (parts.length > 4) return false;
  const numbers = parts.map(ipv4Number);
  if (numbers.some((n) => n === undefined)) return false;
  const top = numbers.pop()!;
  return numbers.every((n) => n! <= 255) && top < 256 ** (4 - numbers.length);
}

function ipv6Ok(s: string): boolean {
  const v4 = /^(.*:)((?:[0-9]{1,3}\.){3}[0-9]{1,3})$/.exec(s);
  let body = s;
  let groups = 0;
  if (v4) {
    if (v4[2].split('.').some((p) => Number(p) > 255 || (p.length > 1 && p.startsWith('0')))) return false;
    body = v4[1].endsWith('::') ? v4[1] : v4[1].slice(0, -1);
    groups = 2;
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  const counted = halves.map((h) => (h === '' ? [] : h.split(':')));
  if (counted.flat().some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  groups += counted.flat().length;
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

function hostOk(host: string, special: boolean): boolean {
  if (host.startsWith('[')) return host.endsWith(']') && ipv6Ok(host.slice(1, -1));
  if (/[^\x21-\x7e]/.test(host)) return false;
  if (!special) return !FORBIDDEN_HOST.test(host);
  let decoded: string;
  try {
    decoded = decodeURIComponent(host);
  } catch {
    return false; // a "%" not followed by two hex digits stays a "%", which a domain may not hold
  }
  return decoded !== '' && !/[^\x21-\x7e]/.test(decoded) && !FORBIDDEN_DOMAIN.test(decoded) && domainOk(decoded.toLowerCase());
}

export function parseUrl(s: string): ParsedUrl | undefined {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(s);
  if (!m) return undefined;
  const scheme = m[1].toLowerCase();
  const special = SPECIAL.has(scheme);
  // A backslash ends a special URL's authority, as "/" does.
  const authority = special ? m[2].split('\\')[0] : m[2];
  const at = authority.lastIndexOf('@');
  const hostPort = authority.slice(at + 1);
  const close = hostPort.startsWith('[') ? hostPort.indexOf(']') + 1 : 0;
  const colon = hostPort.indexOf(':', close);
  const host = colon < 0 ? hostPort : hostPort.slice(0, colon);
  const portText = colon < 0 ? '' : hostPort.slice(colon + 1);
  if (!/^[0-9]*$/.test(portText) || Number(portText) > 65535) return undefined;
  if (host === '' ? special || at >= 0 || portText !== '' : !hostOk(host, special)) return undefined;
  return { scheme, host, port: portText === '' ? undefined : Number(portText), prefix: `${m[1]}://${authority}` };
}
