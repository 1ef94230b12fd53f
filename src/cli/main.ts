// The `netboot` command: parses arguments, runs one command, maps the outcome
// to an exit code (0 ok, 1 invalid config or failed action, 2 usage).

import { announce, commands, type CommandName } from './commands';
import { UsageError, parseArgs, usage } from './args';

declare const NETBOOT_VERSION: string;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`netboot: ${e.message}\nTry "netboot --help".\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(usage());
    return 0;
  }
  if (args.version) {
    process.stdout.write(`netboot ${NETBOOT_VERSION}\n`);
    return 0;
  }
  announce(args);
  return commands[args.command as CommandName](args);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: Error) => {
    process.stderr.write(`netboot: ${e.message}\n`);
    process.exitCode = 1;
  },
);
