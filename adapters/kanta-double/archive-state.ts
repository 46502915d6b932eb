// What the double remembers: archived documents (bytes, metadata, hash), set heads, the latest
// client-relationship document (asiakkuusasiakirja) per (custodian, client), message ids seen,
// duplicate and rejection counters, and the access log. With a stateDir everything survives a
// restart: document bytes are written atomically (temp + rename) before an append-only JSONL journal
// line makes them count; the in-memory index is rebuilt from the journal on start. The answer to
// the sender is only written after the journal line, so "AA" always means "on disk".
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationKind } from './options.ts';

export interface ArchivedRecord {
  documentId: string;
  setId: string;
  versionNumber: number;
  custodian: string;
  /** sha256 pseudonym of the client id, never the hetu itself. */
  client: string;
  documentGroup: string;
  /** localSocialHeader/functionCode; an asiakkuusasiakirja may have none. */
  functionCode?: string;
  /** Service tasks of an asiakkuusasiakirja, from its JSON (sosiaalihuollon_palvelutehtava). */
  serviceTasks?: string[];
  operation: OperationKind;
  sender: string;
  unit: string;
  /** Subject serialNumber of the system signer; '' when only professional signatures were given. */
  signer: string;
  /** signatureDescription codes of the verified signatures (1 professional, 3 system). */
  signatureKinds?: string[];
  sha256: string;
  archivedAt: string;
}

export interface RightEntry {
  unit: string;
  /** Palvelutehtävä code the right covers. */
  task: string;
  start: string;
  end?: string;
}

export interface ClientRelationship {
  setId: string;
  documentId: string;
  versionNumber: number;
  rights: RightEntry[];
}

export interface SetHead {
  setId: string;
  latestId: string;
  latestVersion: number;
  voided: boolean;
  custodian: string;
  client: string;
  documentGroup: string;
}

export interface AccessLogEntry {
  time: string;
  sender: string;
  unit: string;
  operation: string;
  documentId?: string;
  custodian?: string;
  /** sha256 pseudonym of the client. */
  client?: string;
  ack: string;
  code?: string;
}

type JournalEvent =
  | { t: 'msg'; id: string }
  | { t: 'doc'; rec: ArchivedRecord; rights?: RightEntry[] }
  | { t: 'dup' }
  | { t: 'rej'; code: string };

export function clientPseudonym(root: string, extension: string): string {
  return createHash('sha256').update(`${root}^${extension}`).digest('hex');
}

export class ArchiveState {
  private readonly dir: string | undefined;
  private readonly messages = new Set<string>();
  private readonly documents = new Map<string, ArchivedRecord>();
  private readonly order: string[] = [];
  private readonly bytes = new Map<string, Buffer>();
  private readonly sets = new Map<string, SetHead>();
  private readonly relationships = new Map<string, ClientRelationship>();
  private readonly rejections = new Map<string, number>();
  private readonly accessLog: AccessLogEntry[] = [];
  private duplicateCount = 0;

  constructor(stateDir?: string) {
    this.dir = stateDir;
    if (!stateDir) return;
    mkdirSync(join(stateDir, 'documents'), { recursive: true });
    this.replay();
  }

  private get journalPath(): string {
    return join(this.dir as string, 'journal.jsonl');
  }

  private get accessLogPath(): string {
    return join(this.dir as string, 'access-log.jsonl');
  }

  private documentPath(id: string): string {
    // Document ids are validated OIDs (digits and dots), so they are safe file names.
    return join(this.dir as string, 'documents', `${id}.xml`);
  }

  private replay(): void {
    for (const event of readJsonl<JournalEvent>(this.journalPath)) this.apply(event);
    this.accessLog.push(...readJsonl<AccessLogEntry>(this.accessLogPath));
  }

  private write(event: JournalEvent): void {
    if (this.dir) appendFileSync(this.journalPath, `${JSON.stringify(event)}\n`);
    this.apply(event);
  }

  private apply(e: JournalEvent): void {
    switch (e.t) {
      case 'msg': this.messages.add(e.id); break;
      case 'dup': this.duplicateCount += 1; break;
      case 'rej': this.rejections.set(e.code, (this.rejections.get(e.code) ?? 0) + 1); break;
      case 'doc': this.applyDocument(e.rec, e.rights); break;
    }
  }

  private applyDocument(rec: ArchivedRecord, rights: RightEntry[] | undefined): void {
    if (!this.documents.has(rec.documentId)) this.order.push(rec.documentId);
    this.documents.set(rec.documentId, rec);
    this.sets.set(rec.setId, {
      setId: rec.setId, latestId: rec.documentId, latestVersion: rec.versionNumber, voided: rec.operation === 'void',
      custodian: rec.custodian, client: rec.client, documentGroup: rec.documentGroup,
    });
    if (rec.documentGroup !== '1') return;
    const key = `${rec.custodian}|${rec.client}`;
    const current = this.relationships.get(key);
    if (rec.operation === 'void') {
      if (current?.setId === rec.setId) this.relationships.delete(key);
      return;
    }
    // The highest version of the set wins; a newer set for the same client replaces an older one.
    if (current && current.setId === rec.setId && current.versionNumber > rec.versionNumber) return;
    this.relationships.set(key, { setId: rec.setId, documentId: rec.documentId, versionNumber: rec.versionNumber, rights: rights ?? [] });
  }

  hasMessage(key: string): boolean {
    return this.messages.has(key);
  }

  recordMessage(key: string): void {
    this.write({ t: 'msg', id: key });
  }

  document(id: string): ArchivedRecord | undefined {
    return this.documents.get(id);
  }

  set(setId: string): SetHead | undefined {
    return this.sets.get(setId);
  }

  clientRelationship(custodian: string, client: string): ClientRelationship | undefined {
    return this.relationships.get(`${custodian}|${client}`);
  }

  documentBytes(id: string): Buffer | undefined {
    if (!this.documents.has(id)) return undefined;
    if (!this.dir) return this.bytes.get(id);
    return readFileSync(this.documentPath(id));
  }

  archive(rec: ArchivedRecord, cda: Buffer, rights?: RightEntry[]): void {
    if (this.dir) {
      const target = this.documentPath(rec.documentId);
      const tmp = `${target}.${process.pid}.tmp`;
      writeFileSync(tmp, cda);
      renameSync(tmp, target);
    } else {
      this.bytes.set(rec.documentId, cda);
    }
    this.write(rights ? { t: 'doc', rec, rights } : { t: 'doc', rec });
  }

  countDuplicate(): void {
    this.write({ t: 'dup' });
  }

  countRejection(code: string): void {
    this.write({ t: 'rej', code });
  }

  log(entry: AccessLogEntry): void {
    if (this.dir) appendFileSync(this.accessLogPath, `${JSON.stringify(entry)}\n`);
    this.accessLog.push(entry);
  }

  archivedRecords(): ArchivedRecord[] {
    return this.order.map((id) => this.documents.get(id) as ArchivedRecord);
  }

  duplicates(): number {
    return this.duplicateCount;
  }

  rejectionsByCode(): Record<string, number> {
    return Object.fromEntries(this.rejections);
  }

  accessLogEntries(): AccessLogEntry[] {
    return [...this.accessLog];
  }

  /** Forgets everything, on disk too. */
  reset(): void {
    this.messages.clear();
    this.documents.clear();
    this.order.length = 0;
    this.bytes.clear();
    this.sets.clear();
    this.relationships.clear();
    this.rejections.clear();
    this.accessLog.length = 0;
    this.duplicateCount = 0;
    if (!this.dir) return;
    rmSync(join(this.dir, 'documents'), { recursive: true, force: true });
    rmSync(this.journalPath, { force: true });
    rmSync(this.accessLogPath, { force: true });
    mkdirSync(join(this.dir, 'documents'), { recursive: true });
  }
}

/**
 * Reads a JSONL file. A torn last line (the process died mid-append) is cut off the file, so the
 * next append starts on a clean line; a bad line anywhere else is corruption and throws.
 */
function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  let text = readFileSync(path, 'utf8');
  if (text !== '' && !text.endsWith('\n')) {
    const keep = text.lastIndexOf('\n') + 1;
    truncateSync(path, Buffer.byteLength(text.slice(0, keep)));
    text = text.slice(0, keep);
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as T);
}
