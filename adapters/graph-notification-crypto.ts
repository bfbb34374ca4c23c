/**
 * Resource data in Microsoft Graph change notifications: signature check and decryption, as
 * "Set up change notifications that include resource data" describes
 * (https://learn.microsoft.com/graph/change-notifications-with-resource-data#decrypting-resource-data-from-change-notifications):
 *
 * 1. `dataKey` is the symmetric key, encrypted with our certificate's public key
 *    (RSA/ECB/OAEPWithSHA1AndMGF1Padding): decrypt it with the private key.
 * 2. `dataSignature` is base64 HMAC-SHA256 of the base64-decoded `data` under that key: compare
 *    it in constant time **before** decrypting anything with it.
 * 3. `data` is AES-CBC (PKCS7 padding) under that key; the IV is the key's first 16 bytes.
 */
import {
  X509Certificate,
  constants,
  createDecipheriv,
  createHmac,
  createPrivateKey,
  privateDecrypt,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { fail } from '../core/errors';
import type { EncryptedContent } from '../core/monitoring/graph-notification';

/** The certificate Graph encrypts with (public part sent with each subscription) and its key. */
export interface NotificationCertificate {
  /** Our name for the certificate, sent as `encryptionCertificateId` and echoed back. */
  readonly id: string;
  /** Base64 DER of the certificate, as `encryptionCertificate` wants it. */
  readonly certificateBase64: string;
  readonly privateKey: KeyObject;
}

/** Builds the certificate from PEM text (a Key Vault certificate's PEM export). */
export function notificationCertificate(certPem: string, keyPem: string): NotificationCertificate {
  const cert = new X509Certificate(certPem);
  const privateKey = createPrivateKey(keyPem);
  if (!cert.checkPrivateKey(privateKey))
    fail('CONFIG_INVALID', 'The notification private key does not belong to the notification certificate.');
  return {
    // The thumbprint names the certificate: a rotated certificate gets a new id by itself.
    id: cert.fingerprint.replace(/:/g, '').toLowerCase(),
    certificateBase64: cert.raw.toString('base64'),
    privateKey,
  };
}

/**
 * Verifies and decrypts one notification's resource data; returns the resource as parsed JSON.
 * Throws NOTIFICATION_INVALID, naming why, when it is not ours or was tampered with.
 */
export function decryptResourceData(
  content: EncryptedContent,
  certs: readonly NotificationCertificate[],
): unknown {
  const cert = certs.find((c) => c.id === content.encryptionCertificateId);
  if (!cert)
    return fail('NOTIFICATION_INVALID', 'Encrypted with a certificate we do not hold.', {
      reason: 'unknownCertificate',
    });
  let key: Buffer;
  try {
    key = privateDecrypt(
      { key: cert.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(content.dataKey, 'base64'),
    );
  } catch (err) {
    return fail('NOTIFICATION_INVALID', 'The data key does not decrypt.', { reason: 'dataKey' }, err);
  }
  const data = Buffer.from(content.data, 'base64');
  const expected = createHmac('sha256', key).update(data).digest();
  const given = Buffer.from(content.dataSignature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return fail('NOTIFICATION_INVALID', 'The data signature does not match.', { reason: 'dataSignature' });
  try {
    const decipher = createDecipheriv(`aes-${key.length * 8}-cbc`, key, key.subarray(0, 16));
    const plain = Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as unknown;
  } catch (err) {
    return fail('NOTIFICATION_INVALID', 'The resource data does not decrypt.', { reason: 'data' }, err);
  }
}
