// Messages between the intake's CDA reader pool (cda-read-pool.ts) and its threads (cda-read-thread.ts).
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import type { XmlLimits } from '../../adapters/xml/xml-limits.ts';

export interface ReadRequest {
  id: number;
  /** A copy of the body; the caller keeps its own Buffer as the document's bytes. */
  body: Uint8Array;
  requestedOperation?: string;
  limits: XmlLimits;
}

/** What the thread read, without the bytes (the caller has them). */
export type ReadResult = Omit<ParsedDocument, 'cda'>;

export type ReadReply =
  | { id: number; ok: true; parsed: ReadResult }
  | { id: number; ok: false; error: { code?: string; message: string; ruleId?: string; details?: Record<string, unknown> } };
