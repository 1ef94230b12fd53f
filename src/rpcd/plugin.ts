// The ubus object `netboot` as an rpcd exec plugin (docs/engines.md, "rpcd
// exec plugin"; openwrt/rpcd 4476687 plugin.c). rpcd runs
// /usr/libexec/rpcd/netboot `list` once when it starts and registers an
// object named after the file with the methods printed; each call runs
// `call METHOD` with the arguments as JSON on stdin. rpcd replies with the
// first JSON value printed when it is an object, answers any other value with
// UBUS_STATUS_INVALID_ARGUMENT and no value with NO_DATA; it ignores the exit
// status and stderr. So a refused argument is printed as a JSON string (the
// caller gets INVALID_ARGUMENT, as from the daemon this replaces) and any
// other failure as an object `{ "error": … }` that LuCI can show.

import { parseMac } from '../journeys/events';

/** What each method answers with (src/app/operations.ts). */
export interface NetbootApp {
  status(): Promise<object>;
  validate(): Promise<object>;
  plan(): Promise<object>;
  apply(): Promise<object>;
  preview(mac: string): Promise<object>;
  check(): Promise<object>;
  clients(mac: string | undefined): Promise<object>;
  wake(host: string): Promise<object>;
  hosts(): Promise<object>;
  task(host: string, action: string, installer: string): Promise<object>;
}

/**
 * `list`: each method with a sample of each argument. rpcd takes the type of
 * the sample (a string here) as the argument's blobmsg type; the ACL and
 * LuCI's rpc.declare name these methods.
 */
export const SIGNATURES = {
  status: {},
  validate: {},
  plan: {},
  apply: {},
  preview: { mac: 'str' },
  clients: { mac: 'str' },
  check: {},
  wake: { host: 'str' },
  hosts: {},
  task: { host: 'str', action: 'str', installer: 'str' },
} as const;

type Method = keyof typeof SIGNATURES;

/** A refused call: printed as a JSON string, which rpcd answers with INVALID_ARGUMENT. */
class Refused {
  constructor(readonly message: string) {}
}

function macArg(args: Record<string, unknown>, optional: boolean): string | undefined | Refused {
  if (optional && args.mac === undefined) return undefined;
  return parseMac(args.mac) ?? new Refused(`mac ${JSON.stringify(args.mac ?? null)} is not a MAC address like 52:54:00:12:34:56`);
}

async function dispatch(app: NetbootApp, method: Method, args: Record<string, unknown>): Promise<object | Refused> {
  switch (method) {
    case 'preview': {
      const mac = macArg(args, false);
      return mac instanceof Refused ? mac : app.preview(mac!);
    }
    case 'clients': {
      const mac = macArg(args, true);
      return mac instanceof Refused ? mac : app.clients(mac);
    }
    case 'wake':
      // A section name, a hostname or a MAC: src/app/wake.ts says which it is not.
      return typeof args.host === 'string' && args.host ? app.wake(args.host) : new Refused('host must be a host\'s name or a MAC address');
    case 'task': {
      const [host, action, installer = ''] = [args.host, args.action, args.installer];
      for (const [k, v] of Object.entries({ host, action, installer })) if (typeof v !== 'string') return new Refused(`${k} must be a string`);
      return app.task(host as string, action as string, installer as string);
    }
    default:
      return app[method]();
  }
}

/** rpcd's stdin: the arguments object (plus ubus_rpc_session through LuCI); nothing at all when run by hand. */
function parseArgs(input: string): Record<string, unknown> | Refused {
  if (!input.trim()) return {};
  let v: unknown;
  try {
    v = JSON.parse(input);
  } catch {
    return new Refused('the arguments on stdin are not JSON');
  }
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : new Refused('the arguments on stdin are not a JSON object');
}

/** What the plugin prints for `argv` (`list` or `call METHOD`) with `input` on stdin: one line of JSON. */
export async function pluginReply(app: NetbootApp, argv: string[], input: string): Promise<string> {
  const [verb, method] = argv;
  if (verb === 'list' && argv.length === 1) return JSON.stringify(SIGNATURES);
  if (verb !== 'call' || argv.length !== 2 || !method) return JSON.stringify('use: netboot rpcd list | netboot rpcd call METHOD');
  if (!Object.hasOwn(SIGNATURES, method)) return JSON.stringify(`netboot has no method ${JSON.stringify(method)}`);
  const args = parseArgs(input);
  let reply: object | Refused;
  try {
    reply = args instanceof Refused ? args : await dispatch(app, method as Method, args);
  } catch (e) {
    reply = { error: `netboot ${method} failed: ${(e as Error).message}` };
  }
  return JSON.stringify(reply instanceof Refused ? reply.message : reply);
}
