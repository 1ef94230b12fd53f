declare const NETBOOT_VERSION: string;
process.stdout.write(`netboot ${NETBOOT_VERSION}\n`);
