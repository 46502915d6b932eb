// Parked documents for an operator: a filtered, paged list, and the preview of a rerun (how many,
// which codes, which controllers) before anything is changed. Parked records have no index of their
// own, so both scan the records (SCAN in chunks, read-only) and stop as soon as they have enough: a page
// costs a scan up to its last row, a preview at most `limit` matches.
import type { DocumentRecord } from '../../domain/document-record.ts';
import type { RerunFilter } from '../../queues/recovery.ts';

export type ParkedFilter = Omit<RerunFilter, 'limit'>;

export interface ParkedSource {
  selectParked(filter: ParkedFilter, limit: number): Promise<DocumentRecord[]>;
}

export interface ParkedRow {
  tenant: string;
  documentId: string;
  submissionId: string;
  controller: string;
  accessPoint: string;
  code?: string;
  text?: string;
  acceptedAt: string;
  updatedAt: string;
  run: number;
  attempts: number;
}

export interface ParkedPage {
  documents: ParkedRow[];
  offset: number;
  limit: number;
  /** Whether more match beyond this page. */
  more: boolean;
}

export interface RerunPreview {
  /** Documents a rerun with this filter would put back on their way now. */
  count: number;
  byCode: Record<string, number>;
  byController: Record<string, number>;
  /** The selection reached `limit`: more may match. */
  capped: boolean;
  limit: number;
}

/** Most a preview or a background rerun selects at once (the old synchronous rerun's ceiling). */
export const MAX_RERUN = 100_000;

export function parkedRow(rec: DocumentRecord): ParkedRow {
  return {
    tenant: rec.tenant,
    documentId: rec.documentId,
    submissionId: rec.submissionId,
    controller: rec.controller,
    accessPoint: rec.accessPoint,
    ...(rec.code ? { code: rec.code } : {}),
    ...(rec.text ? { text: rec.text } : {}),
    acceptedAt: rec.acceptedAt,
    updatedAt: rec.updatedAt,
    run: rec.run,
    attempts: rec.attempts,
  };
}

export async function parkedPage(source: ParkedSource, filter: ParkedFilter, page: { offset: number; limit: number }): Promise<ParkedPage> {
  const found = await source.selectParked(filter, page.offset + page.limit + 1);
  const rows = found.slice(page.offset, page.offset + page.limit).map(parkedRow);
  return { documents: rows, offset: page.offset, limit: page.limit, more: found.length > page.offset + page.limit };
}

export async function rerunPreview(source: ParkedSource, filter: ParkedFilter, limit = MAX_RERUN): Promise<RerunPreview> {
  const found = await source.selectParked(filter, limit);
  const byCode: Record<string, number> = {};
  const byController: Record<string, number> = {};
  for (const r of found) {
    const code = r.code ?? 'unknown';
    byCode[code] = (byCode[code] ?? 0) + 1;
    byController[r.controller] = (byController[r.controller] ?? 0) + 1;
  }
  return { count: found.length, byCode, byController, capped: found.length >= limit, limit };
}
