/**
 * PostgreSQL's SCRAM-SHA-256 password verifier (RFC 5802 and RFC 7677, in the form
 * `pg_authid.rolpassword` stores): `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
 * `ALTER ROLE … PASSWORD '<verifier>'` stores it as it is, so whoever sets a password this way
 * never holds the password itself.
 */
import { createHash, createHmac, pbkdf2Sync } from "crypto";

/** PostgreSQL's own default (`scram_iterations`). */
export const SCRAM_ITERATIONS = 4096;

/** The verifier of `password` with the given salt. */
export function scramVerifierWithSalt(
  password: string,
  salt: Uint8Array,
  iterations = SCRAM_ITERATIONS,
): string {
  // PostgreSQL normalises with SASLprep; NFKC is what it amounts to for printable passwords.
  const salted = new Uint8Array(
    pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256"),
  );
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(new Uint8Array(clientKey)).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${Buffer.from(salt).toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/**
 * The verifier of `user`'s `password`, with a 16-byte salt derived from both, so the same
 * password gives the same verifier on every evaluation: a random salt would change the setup
 * task's secret, and so run the setup again, on every `pulumi up`.
 */
export function scramVerifier(user: string, password: string): string {
  const salt = new Uint8Array(
    createHmac("sha256", password).update(`graasp-database-setup:${user}`).digest(),
  ).subarray(0, 16);
  return scramVerifierWithSalt(password, salt);
}
