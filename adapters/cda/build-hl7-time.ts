// ISO 8601 (what a JSON client sends) → HL7 V3 TS (what the CDA carries, kanta.md §2 e.g.
// 20260323105424+0200). The zone is kept as sent, so the document's Finnish date is what the client meant.
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Throws a plain Error for input the JSON schema should already have refused. */
export function hl7TimeOf(iso: string): string {
  const m = ISO_DATE_TIME.exec(iso);
  if (!m) throw new Error(`not an ISO 8601 date-time with a zone: ${iso.slice(0, 40)}`);
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as string[];
  const tz = zone === 'Z' ? '+0000' : zone!.replace(':', '');
  return `${y}${mo}${d}${h}${mi}${s ?? '00'}${frac ?? ''}${tz}`;
}

export function hl7DateOf(isoDate: string): string {
  const m = ISO_DATE.exec(isoDate);
  if (!m) throw new Error(`not an ISO 8601 date: ${isoDate.slice(0, 20)}`);
  return `${m[1]}${m[2]}${m[3]}`;
}
