/**
 * A throwaway TLS certificate for the loopback stand-ins of STS, S3 and DynamoDB, made at bench
 * time with the system's `openssl` (RSA 2048, as AWS's endpoints serve; valid a day, for
 * `127.0.0.1` only). Lambda reaches STS and DynamoDB over HTTPS, so the functions here do too:
 * the TLS handshake of each first call is in both sides' cold start, and neither loads what only
 * an `http:` endpoint needs (on Node 24, the SDK's lazy `import('node:http')` loads undici, some
 * 40 ms, which an `https:` endpoint never does). The functions trust it through
 * `NODE_EXTRA_CA_CERTS`, as they would trust AWS's through the runtime's CA store.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes a key and a self-signed certificate into `dir`; answers `{ key, cert, certFile }`. */
export function createBenchCertificate(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const keyFile = path.join(dir, 'stub-key.pem');
  const certFile = path.join(dir, 'stub-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile), certFile };
}
