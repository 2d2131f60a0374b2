/*
 * The SCRAM-SHA-256 verifier the setup run gives PostgreSQL instead of a password. The vector
 * below is what PostgreSQL 15 stored for `CREATE ROLE … PASSWORD 'correct horse battery staple'`
 * (password_encryption scram-sha-256); a role given `scramVerifier("etherpad", p)` then logged
 * in over TCP with `p` and was refused with another password (checked against a local server,
 * not in this suite). What this cannot prove: RDS's own server, which runs the same code.
 */
import { expect } from "chai";
import { SCRAM_ITERATIONS, scramVerifier, scramVerifierWithSalt } from "../components/scram";

const POSTGRES_VERIFIER =
  "SCRAM-SHA-256$4096:h9J2OIBecrDXGpMzFSueoA==$qsYZgUSf7AHqmRPQ2iSgxesbxAXD925fP1CinUemCnI=:8rt31bl+N1FAobq87Dmtpi/P2D1twZCu3nEzs6/F7mg=";

describe("SCRAM-SHA-256 verifier", () => {
  it("is exactly what PostgreSQL stores for the same password and salt", () => {
    const salt = new Uint8Array(Buffer.from("h9J2OIBecrDXGpMzFSueoA==", "base64"));
    expect(scramVerifierWithSalt("correct horse battery staple", salt)).to.equal(POSTGRES_VERIFIER);
    expect(scramVerifierWithSalt("correct horse battery stapler", salt)).not.to.equal(
      POSTGRES_VERIFIER,
    );
  });

  it("is stable per user and password, differs per user, and never contains the password", () => {
    const first = scramVerifier("etherpad", "pw-from-the-secret");
    expect(scramVerifier("etherpad", "pw-from-the-secret")).to.equal(first);
    expect(scramVerifier("umami", "pw-from-the-secret")).not.to.equal(first);
    expect(first).to.match(
      new RegExp(
        `^SCRAM-SHA-256\\$${SCRAM_ITERATIONS}:[A-Za-z0-9+/]{22}==\\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$`,
      ),
    );
    // The verifier a local PostgreSQL 15 accepted for a login with "pw-from-the-secret".
    expect(first).to.equal(
      "SCRAM-SHA-256$4096:Vl6nJi4GTb1YAZq1Wq3yKA==$rgDWNporTDl6O53wN8XKIjIXg21oYBNAGUrfWQsMRUY=:mJtypriVXgscmAp2vCTwTz/ow/njF8gcqIxlVhKms3U=",
    );
    expect(first).not.to.include("pw-from-the-secret");
  });
});
