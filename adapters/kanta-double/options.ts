// Options of the archive double, their defaults and the one function that validates them. The code
// tables default to docs/kanta-binding.md §1 and are configurable because the real values are handed
// out during joining (kanta.md "Open questions").
import { GatewayError } from '../../domain/errors.ts';
import type { FaultSettings } from './faults.ts';

export interface AccessPointRegistration {
  /** Sender device id the access point puts in every frame. */
  senderId: string;
  /** TLS client certificate subject serialNumber identifying the access point (mTLS on). */
  clientCertSerialNumber?: string;
  /** Or its subject CN. */
  clientCertCn?: string;
  /** Organisations whose documents the access point may carry (a välittäjä carries many). */
  organisations: string[];
  /** Subject serialNumbers of the system-signature certificates the access point may present. */
  signerOids: string[];
}

export interface ServiceUnitRegistration {
  oid: string;
  /** Owning organisation (SOTE organisation register). */
  organisation: string;
}

export type OperationKind = 'archive' | 'version' | 'void';

export interface KantaCodeTables {
  interactions: { archive: string; version: string; void: string; queryClientRelationship: string; queryResponse: string; ack: string };
  /** Palvelupyyntö by operation and documentGroup ('*' = any other group). */
  serviceRequest: Record<OperationKind, Record<string, string>>;
  usageSituation: { ownUse: string; registryRight: string };
  /** Code system OID of the ack detail codes (placeholder, kanta-binding.md §4). */
  detailCodeSystem: string;
}

export interface KantaDoubleOptions {
  /** @defaultValue '127.0.0.1' */
  host?: string;
  /** 0 = a free port. @defaultValue 0 */
  port?: number;
  /** When set: HTTPS with requestCert + rejectUnauthorized against clientCaPems. */
  tls?: { certPem: string; keyPem: string; clientCaPems: string[] };
  /** @defaultValue '1.2.246.556.18007.2' */
  receiverId?: string;
  accessPoints: AccessPointRegistration[];
  serviceUnits: ServiceUnitRegistration[];
  /** CA certificates (root or intermediate) that system-signature certificates must chain to. */
  signingCaPems: string[];
  /** Directory keeping the archive across restarts; in memory when absent. */
  stateDir?: string;
  /**
   * Bearer token the HTTP admin API (/admin/faults, /admin/inspect, /admin/reset) requires. Without one
   * the HTTP admin API is off: a client certificate of the access point's CA, or no TLS at all, must not
   * be enough to reset the archive or inject faults. The in-process API (setFaults, inspect, reset) is
   * unaffected.
   */
  adminToken?: string;
  /** Customer-test rule: only hetu individual numbers 900–999. @defaultValue true */
  testPersonsOnly?: boolean;
  /**
   * Refuse documents without a system signature (signatureDescription 3) even when professional
   * signatures verify. Real professionally signed client documents carry none. @defaultValue false
   */
  requireSystemSignature?: boolean;
  /**
   * documentGroups whose localSocialHeader/functionCode may be absent. An asiakkuusasiakirja carries its
   * service tasks in the JSON part (sosiaalihuollon_palvelutehtava). @defaultValue ['1']
   */
  functionCodeOptionalGroups?: string[];
  faults?: FaultSettings;
  /** Seed of the fault PRNG. @defaultValue 1 */
  seed?: number;
  /** @defaultValue 20 MB */
  bodyLimitBytes?: number;
  /**
   * Keep the last N requests as received, in memory only (tests that check what a sender wrote in its
   * frame; KantaDouble.receivedMessages). Default 0: nothing kept, since requests carry client data.
   */
  keepMessages?: number;
  /** @defaultValue '/kanta/sh' */
  soapPath?: string;
  /** @defaultValue '/kanta/sh/plain' */
  plainPath?: string;
  codes?: Partial<{
    interactions: Partial<KantaCodeTables['interactions']>;
    serviceRequest: Partial<KantaCodeTables['serviceRequest']>;
    usageSituation: Partial<KantaCodeTables['usageSituation']>;
    detailCodeSystem: string;
  }>;
  now?: () => Date;
}

export const DEFAULT_CODES: KantaCodeTables = {
  interactions: {
    archive: 'RCMR_IN200002FI01',
    version: 'RCMR_IN200016FI01',
    void: 'RCMR_IN200017FI01',
    queryClientRelationship: 'RCMR_IN200010FI01',
    queryResponse: 'RCMR_IN200011FI01',
    ack: 'MCCI_IN000002UV01',
  },
  serviceRequest: {
    archive: { '1': 'SP1', '*': 'SP17' },
    version: { '1': 'SP2', '*': 'SP18' },
    void: { '1': 'SP3', '*': 'SP19' },
  },
  usageSituation: { ownUse: '1', registryRight: '2' },
  detailCodeSystem: '1.2.246.537.5.40185.2026',
};

export interface ResolvedOptions {
  host: string;
  port: number;
  tls: KantaDoubleOptions['tls'];
  receiverId: string;
  accessPoints: AccessPointRegistration[];
  serviceUnits: ServiceUnitRegistration[];
  signingCaPems: string[];
  stateDir: string | undefined;
  adminToken: string | undefined;
  testPersonsOnly: boolean;
  requireSystemSignature: boolean;
  functionCodeOptionalGroups: string[];
  faults: FaultSettings;
  seed: number;
  bodyLimitBytes: number;
  soapPath: string;
  plainPath: string;
  codes: KantaCodeTables;
  now: () => Date;
}

const OID = /^[0-2](\.(0|[1-9][0-9]*))+$/;

function invalid(field: string, why: string): never {
  throw new GatewayError('CONFIG_INVALID', `kanta-double option ${field} ${why}`, { details: { field } });
}

export function resolveOptions(o: KantaDoubleOptions): ResolvedOptions {
  if (!Array.isArray(o.accessPoints) || o.accessPoints.length === 0) invalid('accessPoints', 'must list at least one access point');
  o.accessPoints.forEach((ap, i) => {
    if (!OID.test(ap.senderId)) invalid(`accessPoints[${i}].senderId`, 'must be an OID');
    if (!Array.isArray(ap.organisations) || ap.organisations.some((x) => !OID.test(x))) invalid(`accessPoints[${i}].organisations`, 'must be OIDs');
    if (!Array.isArray(ap.signerOids)) invalid(`accessPoints[${i}].signerOids`, 'must be a list');
    if (o.tls && !ap.clientCertSerialNumber && !ap.clientCertCn) invalid(`accessPoints[${i}]`, 'needs clientCertSerialNumber or clientCertCn when TLS is on');
  });
  if (!Array.isArray(o.serviceUnits)) invalid('serviceUnits', 'must be a list');
  o.serviceUnits.forEach((u, i) => {
    if (!OID.test(u.oid) || !OID.test(u.organisation)) invalid(`serviceUnits[${i}]`, 'needs OIDs oid and organisation');
  });
  if (!Array.isArray(o.signingCaPems) || o.signingCaPems.length === 0) invalid('signingCaPems', 'must hold at least one CA certificate');
  if (o.tls && (!o.tls.certPem || !o.tls.keyPem || !o.tls.clientCaPems?.length)) invalid('tls', 'needs certPem, keyPem and clientCaPems');
  if (o.requireSystemSignature !== undefined && typeof o.requireSystemSignature !== 'boolean') invalid('requireSystemSignature', 'must be true or false');
  if (o.functionCodeOptionalGroups !== undefined && (!Array.isArray(o.functionCodeOptionalGroups) || o.functionCodeOptionalGroups.some((g) => typeof g !== 'string'))) {
    invalid('functionCodeOptionalGroups', 'must be a list of documentGroup codes');
  }
  const bodyLimitBytes = o.bodyLimitBytes ?? 20 * 1024 * 1024;
  if (!Number.isInteger(bodyLimitBytes) || bodyLimitBytes < 1024) invalid('bodyLimitBytes', 'must be an integer ≥ 1024');
  const port = o.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) invalid('port', 'must be 0–65535');
  const c = o.codes ?? {};
  return {
    host: o.host ?? '127.0.0.1',
    port,
    tls: o.tls,
    receiverId: o.receiverId ?? '1.2.246.556.18007.2',
    accessPoints: o.accessPoints,
    serviceUnits: o.serviceUnits,
    signingCaPems: o.signingCaPems,
    stateDir: o.stateDir,
    adminToken: o.adminToken,
    testPersonsOnly: o.testPersonsOnly ?? true,
    requireSystemSignature: o.requireSystemSignature ?? false,
    functionCodeOptionalGroups: o.functionCodeOptionalGroups ?? ['1'],
    faults: o.faults ?? {},
    seed: o.seed ?? 1,
    bodyLimitBytes,
    soapPath: o.soapPath ?? '/kanta/sh',
    plainPath: o.plainPath ?? '/kanta/sh/plain',
    codes: {
      interactions: { ...DEFAULT_CODES.interactions, ...c.interactions },
      serviceRequest: { ...DEFAULT_CODES.serviceRequest, ...c.serviceRequest },
      usageSituation: { ...DEFAULT_CODES.usageSituation, ...c.usageSituation },
      detailCodeSystem: c.detailCodeSystem ?? DEFAULT_CODES.detailCodeSystem,
    },
    now: o.now ?? (() => new Date()),
  };
}
