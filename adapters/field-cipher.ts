/**
 * Encryption of narrative fields at rest: AES-256-GCM with a random 96-bit IV per value.
 * The associated data binds each ciphertext to where it is stored (case id + row), so a value
 * copied into another case or event fails to decrypt rather than reading as genuine.
 *
 * Format: `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts); keyId allows key rotation.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { fail } from '../core/errors';

const version = 'v1';

export class FieldCipher {
  private readonly keys: ReadonlyMap<string, Buffer>;
  private readonly currentId: string;

  /** @param current the key to encrypt with; @param previous keys still accepted for decryption. */
  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const k of [current, ...previous]) {
      if (k.length !== 32)
        fail('CONFIG_INVALID', 'A field-encryption key must be 32 bytes (base64 of 32 random bytes).');
    }
    this.currentId = keyId(current);
    this.keys = new Map([current, ...previous].map((k) => [keyId(k), k]));
  }

  encrypt(plain: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId) as Buffer, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      version,
      this.currentId,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ct.toString('base64url'),
    ].join('.');
  }

  decrypt(token: string, aad: string, where: Record<string, unknown> = {}): string {
    const [v, id, iv, tag, ct] = token.split('.');
    const key = id === undefined ? undefined : this.keys.get(id);
    if (v !== version || !key || iv === undefined || tag === undefined || ct === undefined) {
      return fail('FIELD_DECRYPT_FAILED', 'encrypted field is malformed or uses an unknown key', where);
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    } catch (err) {
      return fail(
        'FIELD_DECRYPT_FAILED',
        'encrypted field failed authentication (edited or moved)',
        where,
        err,
      );
    }
  }
}

function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}
