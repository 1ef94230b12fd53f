// rpcd's `uci get` answer ⇄ UciSection, for the rpcd store.

import type { BlobmsgTable, BlobmsgValue } from '../ubus';
import type { UciPackage, UciSection, UciValue } from '../uci';

/** rpcd returns {values: {name: {".anonymous", ".type", ".name", ".index", option...}}}. */
export function packageFromRpcd(name: string, reply: BlobmsgTable): UciPackage {
  const values = (reply.values ?? {}) as Record<string, Record<string, BlobmsgValue>>;
  const sections = Object.values(values)
    .sort((a, b) => Number(a['.index']) - Number(b['.index']))
    .map((v): UciSection => ({
      type: String(v['.type']),
      name: String(v['.name']),
      anonymous: v['.anonymous'] === true,
      options: new Map(
        Object.entries(v)
          .filter(([k]) => !k.startsWith('.'))
          .map(([k, x]): [string, UciValue] => [k, Array.isArray(x) ? x.map(String) : String(x)]),
      ),
    }));
  return { name, sections };
}

export const optionsObject = (s: UciSection): Record<string, UciValue> => Object.fromEntries(s.options);
