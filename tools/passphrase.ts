/**
 * Decrypts `secure:` values of a stack file encrypted by Pulumi's passphrase secrets provider,
 * so that the offline plan validates the real values. The format (Pulumi's
 * `sdk/go/common/resource/config/crypt.go` and `pkg/secrets/passphrase/manager.go`):
 *
 * - `encryptionsalt: v1:<base64 salt>:<check>`, where `<check>` is the value "pulumi" encrypted
 *   with the key, so a wrong passphrase is detected before any value is decrypted;
 * - key = PBKDF2-HMAC-SHA256(passphrase, salt, 1,000,000 iterations, 32 bytes);
 * - value = `v1:<base64 12-byte nonce>:<base64 AES-256-GCM ciphertext followed by its 16-byte tag>`.
 *
 * Stacks using another secrets provider (Pulumi Cloud, AWS KMS) have no `encryptionsalt`; their
 * secure values stay placeholders.
 */
import { createDecipheriv, pbkdf2Sync } from "crypto";

export const PBKDF2_ITERATIONS = 1_000_000;
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A wrong passphrase, a malformed salt or a value that does not decrypt. */
export class PassphraseError extends Error {}

export class PassphraseDecrypter {
  private constructor(private readonly key: Uint8Array) {}

  /** Derives the key from the passphrase and `encryptionsalt`, and checks it on the check value. */
  static fromSalt(passphrase: string, encryptionSalt: string): PassphraseDecrypter {
    const [version, salt, ...check] = encryptionSalt.split(":");
    if (version !== "v1" || salt === undefined || check.length === 0)
      throw new PassphraseError("`encryptionsalt` is not a v1 passphrase salt");
    const key = pbkdf2Sync(passphrase, base64Bytes(salt), PBKDF2_ITERATIONS, KEY_BYTES, "sha256");
    const decrypter = new PassphraseDecrypter(new Uint8Array(key));
    let checked: string | undefined;
    try {
      checked = decrypter.decrypt(check.join(":"));
    } catch {
      // A wrong key fails GCM authentication: reported below as a wrong passphrase.
    }
    if (checked !== "pulumi") throw new PassphraseError("the passphrase is not this stack's");
    return decrypter;
  }

  decrypt(ciphertext: string): string {
    const parts = ciphertext.split(":");
    if (parts.length !== 3 || parts[0] !== "v1")
      throw new PassphraseError("not a v1 passphrase-encrypted value");
    const nonce = base64Bytes(parts[1]);
    const sealed = base64Bytes(parts[2]);
    if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES)
      throw new PassphraseError("malformed nonce or ciphertext");
    const decipher = createDecipheriv("aes-256-gcm", this.key, nonce);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
      const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
      return head.toString("utf8") + decipher.final().toString("utf8");
    } catch {
      throw new PassphraseError("the value does not decrypt with this passphrase");
    }
  }
}

function base64Bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/**
 * The passphrase as the Pulumi CLI finds it: `PULUMI_CONFIG_PASSPHRASE`, else the file named by
 * `PULUMI_CONFIG_PASSPHRASE_FILE` (trimmed); undefined when neither is set.
 */
export function passphraseFrom(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (file: string) => string,
): string | undefined {
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined) return env.PULUMI_CONFIG_PASSPHRASE;
  const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
  return file ? readFile(file).trim() : undefined;
}
