/**
 * Hard limits of the wire contract. The hub may be configured tighter (never looser) for
 * content and metadata; names and ids are fixed here because they are part of addressing.
 */
export const PROTOCOL_VERSION = 1;

export const LIMITS = {
  /** Each of username, host, project and session in an instance id. */
  idPartMaxLength: 64,
  /** A whole instance id or address. */
  addressMaxLength: 300,
  /** Topic and role names. */
  nameMaxLength: 64,
  /** Message content, in UTF-8 bytes. The hub's CC2CC_MAX_CONTENT_BYTES may lower it. */
  contentMaxBytes: 256 * 1024,
  /** Default message content cap, in UTF-8 bytes. */
  contentDefaultMaxBytes: 64 * 1024,
  /** Serialized metadata, in UTF-8 bytes. */
  metadataMaxBytes: 4096,
  metadataMaxKeys: 32,
  metadataKeyMaxLength: 64,
  /** Client-chosen request ids echoed in replies. */
  requestIdMaxLength: 64,
  /** Message ids are UUIDv7 strings. */
  messageIdMaxLength: 64,
  /** Secrets that bind a plugin process to its instance id. */
  secretMinLength: 16,
  secretMaxLength: 128,
  /** API keys. */
  keyMaxLength: 256,
  /** get_messages page size. */
  pollDefault: 10,
  pollMax: 100,
  /** Message ids acknowledged in one ack frame. */
  ackBatchMax: 500,
  /** Ping round trip timeout bounds, in milliseconds. */
  pingTimeoutMaxMs: 30_000,
} as const;
