// `config check --deep`: what `serve` would refuse at start beyond the schema, found in one pass and
// reported together — every referenced file exists and is readable, every environment variable the
// configuration names is set, every credential opens with its password, each certificate matches its
// key, and CA bundles parse. The credential checks call the loaders serve itself uses (SigningKeyStore,
// loadCredential, loadAccessPointTls, buildSnapshot, clientKeySecretFrom), so passing here means serve
// will not refuse for those reasons. Reaching Redis or Kanta is not checked (that needs the network).
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { loadAccessPointTls } from '../../adapters/kanta/access-point-tls.ts';
import { pemToCertificates, validityAt } from '../../certs/certificate-checks.ts';
import { loadCredential } from '../../certs/credential.ts';
import { SigningKeyStore } from '../../certs/keystore.ts';
import { FILE_KEYS, type LoadedConfig } from '../../config/load.ts';
import type { CertificateSource } from '../../config/schema.ts';
import { errorCodeOf } from '../../domain/errors.ts';
import { clientKeySecretFrom } from '../client-key-secret.ts';
import { createLogger } from '../logger.ts';
import { buildSnapshot } from '../runtime-snapshot.ts';

export interface DeepProblem {
  /** A catalogue code (domain/errors.ts): CONFIG_FILE_UNREADABLE, CONFIG_ENV_MISSING, CERT_… */
  code: string;
  /** Where in the configuration (dotted path), or the environment variable's name. */
  path: string;
  message: string;
  /** A warning does not fail the check (serve starts, but something will not work for long). */
  severity: 'error' | 'warning';
}

export interface DeepCheckResult {
  problems: DeepProblem[];
  checked: { files: number; envVariables: number; credentials: number; caBundles: number };
}

const ENV_KEYS: Readonly<Record<string, string>> = { passwordEnv: 'password', keyPasswordEnv: 'key password' };
const DIRECTORY_KEYS = new Set(['cdaSchemaDir']);
const CA_KEYS = new Set(['caFile', 'clientCaFile', 'trustedCaFile']);

type Visit = (key: string, value: unknown, path: string) => void;

function walk(node: unknown, path: string, visit: Visit): void {
  if (Array.isArray(node)) node.forEach((n, i) => walk(n, path ? `${path}.${i}` : String(i), visit));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      const p = path ? `${path}.${k}` : k;
      visit(k, v, p);
      walk(v, p, visit);
    }
  }
}

function messageOf(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0]!;
}

export function deepCheck(loaded: LoadedConfig, env: NodeJS.ProcessEnv = process.env, now: Date = new Date()): DeepCheckResult {
  const { config } = loaded;
  const problems: DeepProblem[] = [];
  const problem = (code: string, path: string, message: string, severity: DeepProblem['severity'] = 'error') => problems.push({ code, path, message, severity });
  const checked = { files: 0, envVariables: 0, credentials: 0, caBundles: 0 };

  // 1. Files and environment variables, everywhere the configuration names one.
  const badFiles = new Set<string>();
  const missingEnv = new Set<string>();
  const caBundles: Array<{ path: string; file: string }> = [];
  walk(config, '', (key, value, path) => {
    if (typeof value !== 'string') return;
    if (FILE_KEYS.has(key)) {
      checked.files += 1;
      const wantDir = DIRECTORY_KEYS.has(key);
      try {
        accessSync(value, constants.R_OK);
        const isDir = statSync(value).isDirectory();
        if (isDir !== wantDir) throw Object.assign(new Error(wantDir ? 'not a directory' : 'a directory, not a file'), { code: wantDir ? 'ENOTDIR' : 'EISDIR' });
        if (CA_KEYS.has(key)) caBundles.push({ path, file: value });
      } catch (err) {
        badFiles.add(value);
        problem('CONFIG_FILE_UNREADABLE', path, `${value}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
      }
    } else if (key in ENV_KEYS) {
      checked.envVariables += 1;
      if (env[value] === undefined) {
        missingEnv.add(value);
        problem('CONFIG_ENV_MISSING', path, `environment variable ${value} (${path.startsWith('redis') ? 'Redis password' : ENV_KEYS[key]}) is not set`);
      }
    }
  });
  // The pseudonym secret is not in the file but serve needs it in production (gateway/client-key-secret.ts).
  if (env.KGW_CLIENT_KEY_SECRET_FILE && !env.KGW_CLIENT_KEY_SECRET) {
    checked.files += 1;
    try {
      readFileSync(env.KGW_CLIENT_KEY_SECRET_FILE);
    } catch (err) {
      problem('CONFIG_FILE_UNREADABLE', 'KGW_CLIENT_KEY_SECRET_FILE', `${env.KGW_CLIENT_KEY_SECRET_FILE}: ${(err as NodeJS.ErrnoException).code ?? messageOf(err)}`);
    }
  } else {
    try {
      clientKeySecretFrom(env, createLogger({ silent: true }));
    } catch (err) {
      problem('CONFIG_ENV_MISSING', 'KGW_CLIENT_KEY_SECRET', messageOf(err));
    }
  }

  // 2. Credentials, with serve's own loaders; skipped where a file or variable is already reported missing.
  const ready = (src: CertificateSource) => {
    const files = 'p12File' in src ? [src.p12File, src.passwordFile] : [src.certFile, src.keyFile];
    const vars = 'p12File' in src ? [src.passwordEnv] : [src.keyPasswordEnv];
    return files.every((f) => f === undefined || !badFiles.has(f)) && vars.every((v) => v === undefined || !missingEnv.has(v));
  };
  const attempt = (path: string, load: () => void) => {
    checked.credentials += 1;
    try {
      load();
    } catch (err) {
      problem(errorCodeOf(err) ?? 'CERT_LOAD_FAILED', path, messageOf(err));
    }
  };
  config.signingIdentities.forEach((identity, i) => {
    let usable = 0;
    identity.certificates.forEach((src, j) => {
      if (!ready(src)) return;
      // One certificate at a time, so each bad one is reported (the store stops at the first).
      attempt(`signingIdentities.${i}.certificates.${j}`, () => {
        const store = new SigningKeyStore([{ ...identity, certificates: [src] }], env);
        const cred = store.list(now)[0];
        if (cred?.state === 'valid') usable += 1;
      });
    });
    if (usable === 0 && identity.certificates.every(ready) && !problems.some((p) => p.path.startsWith(`signingIdentities.${i}.`))) {
      problem('CERT_NO_VALID_IDENTITY', `signingIdentities.${i}`, `no certificate of signing identity ${identity.id} is valid now: documents for it cannot be signed`, 'warning');
    }
  });
  config.kanta.accessPoints.forEach((ap, i) => {
    const client = ap.tls?.client;
    if (!client || !ready(client)) return;
    const path = `kanta.accessPoints.${i}.tls.client`;
    attempt(path, () => {
      // serve opens a PKCS#12 identity with loadCredential and a PEM pair with the access point's TLS loader.
      if (!('p12File' in client)) loadAccessPointTls({ ...ap, tls: { ...ap.tls!, caFile: undefined } } as typeof ap, { env });
      const cred = loadCredential(client, env);
      const validity = validityAt(cred, now);
      if (validity) problem(validity, path, `the access point ${ap.id} client certificate ${cred.serial} is ${validity === 'CERT_EXPIRED' ? `expired since ${cred.notAfter.toISOString()}` : `valid only from ${cred.notBefore.toISOString()}`}: Kanta will refuse the connection`, 'warning');
    });
  });
  const listenTls = config.gateway.tls;
  if (listenTls && !badFiles.has(listenTls.certFile) && !badFiles.has(listenTls.keyFile)) {
    attempt('gateway.tls', () => void loadCredential({ certFile: listenTls.certFile, keyFile: listenTls.keyFile }, env));
  }

  // 3. CA bundles: at least one certificate, each parsing.
  for (const ca of caBundles) {
    checked.caBundles += 1;
    try {
      const text = readFileSync(ca.file, 'utf8');
      if (pemToCertificates(text).length === 0) throw new Error('holds no PEM certificate');
    } catch (err) {
      problem('CERT_LOAD_FAILED', ca.path, `${ca.file}: CA bundle ${messageOf(err)}`);
    }
  }

  // 4. The runtime snapshot serve builds first (trusted CA, schema validators, credential index).
  if (badFiles.size === 0) {
    try {
      buildSnapshot(loaded);
    } catch (err) {
      problem(errorCodeOf(err) ?? 'CONFIG_INVALID', '', messageOf(err));
    }
  }
  return { problems, checked };
}
