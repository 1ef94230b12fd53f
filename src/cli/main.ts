// The `netboot` command: parses arguments, runs one command, maps the outcome
// to an exit code (0 ok, 1 invalid config or failed action, 2 usage).

import { announce, commands, type CommandName } from './commands';
import { UsageError, parseArgs, usage } from './args';
import { platform } from '../platform';

declare const NETBOOT_VERSION: string;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    platform.write('stderr', `netboot: ${e.message}\nTry "netboot --help".\n`);
    return 2;
  }
  if (args.help) {
    platform.write('stdout', usage());
    return 0;
  }
  if (args.version) {
    platform.write('stdout', `netboot ${NETBOOT_VERSION}\n`);
    return 0;
  }
  announce(args);
  return commands[args.command as CommandName](args);
}

// Every rejection is caught here: qjs reports an unhandled one only when its job queue drains.
main(platform.argv).then(
  (code) => platform.exit(code),
  (e: Error) => {
    platform.write('stderr', `netboot: ${e.message}\n`);
    platform.exit(1);
  },
);
