import { REQUEST_PREFIX } from '../../src/register/request';

/** The typed text as `${x:hexraw}` formats it (ipxe v1.21.1 src/core/base16.c hex_encode: "%02x", no separator). */
export const hexraw = (s: string) => [...s].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');

/** What the PC's menu puts into its vendor class: ${unixtime}, the target, ${nb-reg-name:hexraw}. */
export const vendorClass = (attempt: string, target: string, name: string) => `${REQUEST_PREFIX}${attempt}:${target}:${hexraw(name)}`;
