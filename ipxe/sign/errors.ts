/**
 * A signing problem the user can fix (unreadable key or certificate, wrong passphrase, a key
 * that does not match its certificate, a missing tool). One line that names the field and the fix;
 * never any key material.
 */
export class SigningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SigningError";
  }
}
