import {
  decryptResourceData,
  notificationCertificate,
  type NotificationCertificate,
} from '../../../adapters/graph-notification-crypto';
import { encryptedContentSchema, type EncryptedContent } from '../../../core/monitoring/graph-notification';
import type { EsafetyError } from '../../../core/errors';
import { makeNotificationCertificate } from '../../../local/graph-simulator/notification-certificate';
import { encryptResource } from '../../../local/graph-simulator/simulated-subscriptions';

let cert: NotificationCertificate;
let other: NotificationCertificate;
beforeAll(async () => {
  const [a, b] = await Promise.all([makeNotificationCertificate(), makeNotificationCertificate()]);
  cert = notificationCertificate(a.certificatePem, a.privateKeyPem);
  other = notificationCertificate(b.certificatePem, b.privateKeyPem);
});

/** Encrypts as Microsoft Graph does (the tenant simulator's implementation of the documented scheme). */
function graphEncrypt(resource: unknown, to: NotificationCertificate): EncryptedContent {
  return encryptedContentSchema.parse(encryptResource(to.certificateBase64, to.id, resource));
}

function reason(content: EncryptedContent): unknown {
  try {
    decryptResourceData(content, [cert]);
  } catch (err) {
    return (err as EsafetyError).details['reason'];
  }
  return 'decrypted';
}

const flip = (b64: string, at = 3) => {
  const b = Buffer.from(b64, 'base64');
  b[at] = (b[at] ?? 0) ^ 0x80;
  return b.toString('base64');
};

describe('notification resource data', () => {
  it('decrypts what Graph encrypted to our certificate', () => {
    const message = { id: '1700000000000', body: { content: 'hello £ émoji 😊' } };
    expect(decryptResourceData(graphEncrypt(message, cert), [other, cert])).toEqual(message);
  });

  it('names the certificate by its thumbprint', () => {
    expect(cert.id).toMatch(/^[0-9a-f]{40}$/);
    expect(cert.id).not.toBe(other.id);
  });

  it.each([
    ['tampered ciphertext', (c: EncryptedContent) => ({ ...c, data: flip(c.data) }), 'dataSignature'],
    [
      'a tampered signature',
      (c: EncryptedContent) => ({ ...c, dataSignature: flip(c.dataSignature) }),
      'dataSignature',
    ],
    [
      'a truncated signature',
      (c: EncryptedContent) => ({ ...c, dataSignature: c.dataSignature.slice(0, 8) }),
      'dataSignature',
    ],
    ['a tampered data key', (c: EncryptedContent) => ({ ...c, dataKey: flip(c.dataKey, 40) }), 'dataKey'],
    [
      'a certificate we do not hold',
      (c: EncryptedContent) => ({ ...c, encryptionCertificateId: 'someone-else' }),
      'unknownCertificate',
    ],
  ])('refuses %s before trusting anything in it', (_what, tamper, expected) => {
    expect(reason(tamper(graphEncrypt({ id: '1' }, cert)))).toBe(expected);
  });

  it('refuses data encrypted to another certificate under our id', () => {
    const theirs = graphEncrypt({ id: '1' }, other);
    expect(reason({ ...theirs, encryptionCertificateId: cert.id })).toBe('dataKey');
  });

  it('refuses a private key that does not belong to the certificate', async () => {
    const a = await makeNotificationCertificate();
    const b = await makeNotificationCertificate();
    expect(() => notificationCertificate(a.certificatePem, b.privateKeyPem)).toThrow(/does not belong/);
  });
});
