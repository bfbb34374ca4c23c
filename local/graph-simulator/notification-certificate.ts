/**
 * The certificate Microsoft Graph encrypts notification resource data to. In Azure it comes from
 * Key Vault (ESAFETY_GRAPH_NOTIFICATION_CERT / _KEY); locally `npm start` makes a self-signed one
 * once and keeps it under the data folder, so notifications queued before a restart still decrypt.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import selfsigned from 'selfsigned';

export interface CertificatePem {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export async function makeNotificationCertificate(): Promise<CertificatePem> {
  const pems = await Promise.resolve(
    selfsigned.generate([{ name: 'commonName', value: 'E-Safety for Teams notifications (local)' }], {
      keySize: 2048,
      notAfterDate: new Date(Date.now() + 365 * 24 * 3600 * 1000),
    }),
  );
  return { certificatePem: pems.cert, privateKeyPem: pems.private };
}

/** The local certificate under `dir`, made on first use. */
export async function localNotificationCertificate(dir: string): Promise<CertificatePem> {
  const certPath = join(dir, 'graph-notification-cert.pem');
  const keyPath = join(dir, 'graph-notification-key.pem');
  if (existsSync(certPath) && existsSync(keyPath))
    return { certificatePem: readFileSync(certPath, 'utf8'), privateKeyPem: readFileSync(keyPath, 'utf8') };
  const made = await makeNotificationCertificate();
  mkdirSync(dir, { recursive: true });
  writeFileSync(certPath, made.certificatePem);
  writeFileSync(keyPath, made.privateKeyPem, { mode: 0o600 });
  return made;
}

/** The configuration that hands a certificate to the app. */
export function certificateSettings(cert: CertificatePem): Record<string, string> {
  return {
    ESAFETY_GRAPH_NOTIFICATION_CERT: cert.certificatePem,
    ESAFETY_GRAPH_NOTIFICATION_KEY: cert.privateKeyPem,
  };
}
