// The ubus module's public surface: a native ubusd socket client (node), the
// ubus command for engines without sockets (qjs), and the blobmsg codec.
export { UbusClient, DEFAULT_SOCKET_PATHS, DEFAULT_TIMEOUT_MS } from './client';
export { UbusCli } from './cli';
export type {
  ConnectOptions,
  InvokeContext,
  MethodHandler,
  MethodSignature,
  MethodSpec,
  RequestOptions,
  UbusObject,
} from './client';
export { BlobmsgType, decodeBlobmsg, encodeBlobmsg, typed, TypedNumber } from './blobmsg';
export type { BlobmsgInput, BlobmsgInputTable, BlobmsgTable, BlobmsgTypeName, BlobmsgValue, TypedNumberType } from './blobmsg';
export { MAX_MESSAGE_BYTES } from './blob';
export { UbusError, UbusProtocolError, UbusStatus } from './status';
export type { UbusStatusName } from './status';

/** What netboot asks of ubus, answered by the native client or the ubus command. */
export type UbusCaller = Pick<import('./client').UbusClient, 'call' | 'close'>;
