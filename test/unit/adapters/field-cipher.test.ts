import { randomBytes } from 'node:crypto';
import { FieldCipher } from '../../../adapters/field-cipher';

describe('FieldCipher', () => {
  const key = randomBytes(32);
  const cipher = new FieldCipher(key);

  it('round-trips text and never shows it in the ciphertext', () => {
    const token = cipher.encrypt('Learner disclosed grooming by "Uncle Bob"', 'c1|head');
    expect(token).not.toContain('Uncle');
    expect(cipher.decrypt(token, 'c1|head')).toBe('Learner disclosed grooming by "Uncle Bob"');
  });

  it('uses a fresh IV each time', () => {
    expect(cipher.encrypt('same', 'a')).not.toBe(cipher.encrypt('same', 'a'));
  });

  it.each([
    ['moved to another row', (t: string) => t, 'c2|head'],
    [
      'with a flipped ciphertext byte',
      // The character replaced is the one looked at, so the byte always changes.
      (t: string) => t.slice(0, -2) + (t.at(-2) === 'A' ? 'B' : 'A') + t.slice(-1),
      'c1|head',
    ],
    ['with a truncated token', (t: string) => t.split('.').slice(0, 3).join('.'), 'c1|head'],
  ])('refuses a value %s', (_what, mangle, aad) => {
    const token = mangle(cipher.encrypt('secret narrative', 'c1|head'));
    expect(() => cipher.decrypt(token, aad, { caseId: 'c1' })).toThrow(
      expect.objectContaining({ code: 'FIELD_DECRYPT_FAILED', details: { caseId: 'c1' } }),
    );
  });

  it('decrypts with a previous key after rotation', () => {
    const old = cipher.encrypt('before rotation', 'x');
    const rotated = new FieldCipher(randomBytes(32), [key]);
    expect(rotated.decrypt(old, 'x')).toBe('before rotation');
    expect(() => new FieldCipher(randomBytes(32)).decrypt(old, 'x')).toThrow(
      expect.objectContaining({ code: 'FIELD_DECRYPT_FAILED' }),
    );
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new FieldCipher(randomBytes(16))).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });
});
