// What tests and operators can see of the double (GET /admin/inspect and KantaDouble.inspect()).
import { DETAIL_CODES, isDetailCode } from './detail-codes.ts';
import type { AccessLogEntry, ArchiveState } from './archive-state.ts';

export interface RequestCounters {
  total: number;
  soap: number;
  plain: number;
  byAck: { AA: number; AE: number; AR: number };
  soapFaults: number;
  tooLarge: number;
  notRegistered: number;
  faults: { http500: number; reset: number; timeout: number; maintenance: number; slowDrip: number };
}

export interface ArchivedSummary {
  documentId: string;
  setId: string;
  versionNumber: number;
  custodian: string;
  sender: string;
  unit: string;
  documentGroup: string;
  operation: string;
  archivedAt: string;
}

export interface Inspection {
  archived: ArchivedSummary[];
  /** Identical resends answered ALREADY_ARCHIVED (nothing stored twice). */
  duplicates: number;
  rejectionsByCode: Record<string, number>;
  /** The same rejections summed per kanta.md check number (1–12). */
  rejectionsByCheck: Record<string, number>;
  requests: RequestCounters;
  accessLog: AccessLogEntry[];
}

export function emptyCounters(): RequestCounters {
  return {
    total: 0, soap: 0, plain: 0, byAck: { AA: 0, AE: 0, AR: 0 }, soapFaults: 0, tooLarge: 0, notRegistered: 0,
    faults: { http500: 0, reset: 0, timeout: 0, maintenance: 0, slowDrip: 0 },
  };
}

export function inspect(state: ArchiveState, requests: RequestCounters): Inspection {
  const rejectionsByCode = state.rejectionsByCode();
  const rejectionsByCheck: Record<string, number> = {};
  for (const [code, n] of Object.entries(rejectionsByCode)) {
    const check = isDetailCode(code) ? String(DETAIL_CODES[code].check) : 'other';
    rejectionsByCheck[check] = (rejectionsByCheck[check] ?? 0) + n;
  }
  return {
    archived: state.archivedRecords().map((r) => ({
      documentId: r.documentId, setId: r.setId, versionNumber: r.versionNumber, custodian: r.custodian, sender: r.sender,
      unit: r.unit, documentGroup: r.documentGroup, operation: r.operation, archivedAt: r.archivedAt,
    })),
    duplicates: state.duplicates(),
    rejectionsByCode,
    rejectionsByCheck,
    requests: structuredClone(requests),
    accessLog: state.accessLogEntries(),
  };
}
