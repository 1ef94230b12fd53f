// What can go wrong talking to an iSCSI portal, as a kind the check can act
// on and a message that reads as what the NAS did ("the NAS " + message),
// except for 'unreachable', whose message stands alone.

export type IscsiErrorKind =
  /** No whole answer within the time allowed. */
  | 'timeout'
  /** The connection could not be made (the message is node's: "connect ECONNREFUSED …"). */
  | 'unreachable'
  /** The peer closed or broke the connection. */
  | 'connection'
  /** The peer broke the protocol: a malformed, oversized or unexpected PDU. */
  | 'protocol'
  /** The login was refused (Login Response status class 1, 2 or 3). */
  | 'login'
  /** CHAP could not be carried out or failed. */
  | 'auth'
  /** A SCSI command ended with a status other than GOOD. */
  | 'scsi';

export class IscsiError extends Error {
  constructor(
    readonly kind: IscsiErrorKind,
    message: string,
    /** For 'login': class << 8 | detail, as RFC 7143 §11.13.5 writes them (0x0201). */
    readonly status?: number,
    /** For a redirect (class 1): the portal its TargetAddress names. */
    readonly redirect?: { host: string; port: number },
  ) {
    super(message);
  }
}
