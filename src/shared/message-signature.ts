// The edge signs what it publishes, so ingest checks each event once, not twice
// (docs/security.md "Signed messages"). The signature is an HMAC-SHA256 over the
// subject and the payload with TRACKER_SIGNING_KEY, in the `Tracker-Sig` header
// (base64url, 43 characters). One HMAC per JetStream message, not per event: a message
// is a batch. Anyone with NATS access can publish on the stream's subjects; without the
// key they cannot sign, and an unsigned message or a bad signature is checked in full.
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'Tracker-Sig';

/** Base64url of a 32-byte HMAC-SHA256: always this many characters. */
export const SIGNATURE_CHARS = 43;

// Between subject and payload: a subject holds no NUL, so no two (subject, payload)
// pairs hash the same bytes.
const SEPARATOR = Buffer.from([0]);

export interface MessageSigner {
  /** The `Tracker-Sig` value of a message. */
  sign(subject: string, payload: Uint8Array): string;
  /** True only for a signature this key made over exactly this subject and payload. */
  verify(subject: string, payload: Uint8Array, signature: string | undefined): boolean;
}

export function messageSigner(key: string): MessageSigner {
  const secret = createSecretKey(Buffer.from(key, 'utf8'));
  const mac = (subject: string, payload: Uint8Array) =>
    createHmac('sha256', secret).update(subject).update(SEPARATOR).update(payload).digest();
  return {
    sign: (subject, payload) => mac(subject, payload).toString('base64url'),
    verify(subject, payload, signature) {
      if (signature === undefined || signature.length !== SIGNATURE_CHARS) return false;
      const given = Buffer.from(signature, 'base64url');
      // Constant time: how much of a forged signature matched must not show in timing.
      return given.length === 32 && timingSafeEqual(given, mac(subject, payload));
    },
  };
}
