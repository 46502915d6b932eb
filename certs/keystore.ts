// Signing identities with their certificates, loaded once. An identity may hold several overlapping
// certificates during rotation: the newest currently valid one (latest notBefore) signs. reload()
// re-reads every file and swaps atomically: a failed reload keeps the previous keys.
import { GatewayError } from '../domain/errors.ts';
import type { SigningIdentityConfig } from '../config/schema.ts';
import { assertKeyUsage, loadCredential, type Credential } from './credential.ts';
import { validityAt, type CredentialUsage } from './certificate-checks.ts';

export { loadCredential, assertUsable, type Credential } from './credential.ts';

export interface IdentityReport {
  identityId: string;
  usage: CredentialUsage;
  organisation?: string;
  subject: string;
  subjectSerialNumber?: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  secondsToExpiry: number;
  /** Whole days left (negative once expired). */
  daysLeft: number;
  /** This certificate is the one that signs now. */
  active: boolean;
  state: 'valid' | 'expired' | 'not-yet-valid';
  source: string;
}

type Loaded = ReadonlyMap<string, { config: SigningIdentityConfig; credentials: Credential[] }>;

function loadAll(identities: readonly SigningIdentityConfig[], env: NodeJS.ProcessEnv): Loaded {
  const out = new Map<string, { config: SigningIdentityConfig; credentials: Credential[] }>();
  for (const identity of identities) {
    const credentials = identity.certificates.map((src) => {
      const cred = loadCredential(src, env);
      // Validity is judged when signing (rotation keeps expired and future certificates around);
      // key usage and organisation are fixed properties, so a wrong certificate fails at load.
      assertKeyUsage(cred, 'system-signature');
      if (identity.organisation && cred.subjectSerialNumber !== identity.organisation) {
        throw new GatewayError('CERT_LOAD_FAILED', `Certificate ${cred.serial} (${cred.source}) has subject serialNumber ${cred.subjectSerialNumber ?? '(none)'}, not the organisation ${identity.organisation} of signing identity ${identity.id}`, {
          details: { identity: identity.id, expected: identity.organisation, actual: cred.subjectSerialNumber },
        });
      }
      return cred;
    });
    out.set(identity.id, { config: identity, credentials });
  }
  return out;
}

/** Newest valid = latest notBefore among the certificates valid at `now`. */
export function pickNewestValid(credentials: readonly Credential[], now: Date): Credential | undefined {
  let best: Credential | undefined;
  for (const c of credentials) {
    if (validityAt(c, now)) continue;
    if (!best || c.notBefore.getTime() > best.notBefore.getTime()) best = c;
  }
  return best;
}

export class SigningKeyStore {
  private loaded: Loaded;
  private identities: readonly SigningIdentityConfig[];

  constructor(
    identities: readonly SigningIdentityConfig[],
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.identities = identities;
    this.loaded = loadAll(identities, env);
  }

  /** The credential that signs for `identityId` at `now`. */
  current(identityId: string, now: Date = new Date()): Credential {
    const entry = this.loaded.get(identityId);
    if (!entry) throw new GatewayError('ROUTE_NO_SIGNING_IDENTITY', `No signing identity ${identityId} is loaded`, { details: { identityId } });
    const best = pickNewestValid(entry.credentials, now);
    if (best) return best;
    const problems = entry.credentials.map((c) => validityAt(c, now));
    const details = { identityId, notAfter: entry.credentials.map((c) => c.notAfter.toISOString()) };
    if (problems.every((p) => p === 'CERT_EXPIRED')) throw new GatewayError('CERT_EXPIRED', `Every certificate of signing identity ${identityId} has expired`, { details });
    if (problems.every((p) => p === 'CERT_NOT_YET_VALID')) throw new GatewayError('CERT_NOT_YET_VALID', `No certificate of signing identity ${identityId} is valid yet`, { details });
    throw new GatewayError('CERT_NO_VALID_IDENTITY', undefined, { details });
  }

  /** Re-reads every file (optionally a new identity list); on any error the previous keys stay. */
  reload(identities: readonly SigningIdentityConfig[] = this.identities): void {
    const next = loadAll(identities, this.env);
    this.loaded = next;
    this.identities = identities;
  }

  identityIds(): string[] {
    return [...this.loaded.keys()];
  }

  list(now: Date = new Date()): IdentityReport[] {
    const out: IdentityReport[] = [];
    for (const [identityId, { config, credentials }] of this.loaded) {
      const active = pickNewestValid(credentials, now);
      for (const c of credentials) out.push(reportFor(identityId, 'system-signature', c, now, c === active, config.organisation));
    }
    return out;
  }
}

export function reportFor(identityId: string, usage: CredentialUsage, c: Credential, now: Date, active: boolean, organisation?: string): IdentityReport {
  const secondsToExpiry = Math.floor((c.notAfter.getTime() - now.getTime()) / 1000);
  const validity = validityAt(c, now);
  return {
    identityId,
    usage,
    ...(organisation === undefined ? {} : { organisation }),
    subject: c.subject,
    ...(c.subjectSerialNumber === undefined ? {} : { subjectSerialNumber: c.subjectSerialNumber }),
    issuer: c.issuer,
    serial: c.serial,
    notBefore: c.notBefore.toISOString(),
    notAfter: c.notAfter.toISOString(),
    secondsToExpiry,
    daysLeft: Math.floor(secondsToExpiry / 86_400),
    active,
    state: validity === 'CERT_EXPIRED' ? 'expired' : validity === 'CERT_NOT_YET_VALID' ? 'not-yet-valid' : 'valid',
    source: c.source,
  };
}
