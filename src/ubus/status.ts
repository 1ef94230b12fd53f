// ubus status codes (ubusmsg.h `enum ubus_msg_status`) and the two error
// types the module throws: UbusError for a status a peer or the client
// reports, UbusProtocolError for bytes that do not form a valid message.

/** Status codes carried in UBUS_ATTR_STATUS. */
export const UbusStatus = {
  OK: 0,
  INVALID_COMMAND: 1,
  INVALID_ARGUMENT: 2,
  METHOD_NOT_FOUND: 3,
  NOT_FOUND: 4,
  NO_DATA: 5,
  PERMISSION_DENIED: 6,
  TIMEOUT: 7,
  NOT_SUPPORTED: 8,
  UNKNOWN_ERROR: 9,
  CONNECTION_FAILED: 10,
  NO_MEMORY: 11,
  PARSE_ERROR: 12,
  SYSTEM_ERROR: 13,
} as const;

export type UbusStatusName = keyof typeof UbusStatus;

const NAMES = Object.keys(UbusStatus) as UbusStatusName[];

// The wording libubus' ubus_strerror() uses, so our messages read like the CLI's.
const TEXT: readonly string[] = [
  'Success',
  'Invalid command',
  'Invalid argument',
  'Method not found',
  'Not found',
  'No response',
  'Permission denied',
  'Request timed out',
  'Operation not supported',
  'Unknown error',
  'Connection failed',
  'Out of memory',
  'Parsing message data failed',
  'System error',
];

/**
 * A ubus status other than OK. `operation` names what failed, e.g.
 * "call uci get", giving the message "ubus call uci get failed: Not found (4)".
 */
export class UbusError extends Error {
  readonly code: number;
  /** The ubusmsg.h constant without its prefix ("NOT_FOUND"), or "UNKNOWN" for codes past SYSTEM_ERROR. */
  readonly statusName: UbusStatusName | 'UNKNOWN';

  constructor(code: number, operation: string, cause?: unknown) {
    const text = TEXT[code] ?? `Unknown error: ${code}`;
    super(`ubus ${operation} failed: ${text} (${code})`, cause === undefined ? undefined : { cause });
    this.name = 'UbusError';
    this.code = code;
    this.statusName = NAMES[code] ?? 'UNKNOWN';
  }
}

/** Bytes that are not a well-formed ubus message or blobmsg payload. */
export class UbusProtocolError extends Error {
  constructor(message: string) {
    super(`ubus protocol error: ${message}`);
    this.name = 'UbusProtocolError';
  }
}
