// Finnish personal identity code (henkilötunnus) checks. Only used to validate; callers must never
// log the value (gateway/logger.ts redacts anything hetu-shaped as a second line of defence).

const CHECK_CHARS = '0123456789ABCDEFHJKLMNPRSTUVWXY';
const CENTURY: Record<string, number> = { '+': 1800, '-': 1900, Y: 1900, X: 1900, W: 1900, V: 1900, U: 1900, A: 2000, B: 2000, C: 2000, D: 2000, E: 2000, F: 2000 };
export const HETU_PATTERN = /^(\d{2})(\d{2})(\d{2})([-+A-FU-Y])(\d{3})([0-9A-Y])$/;

const FINNISH_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's calendar date in Finnish time, YYYY-MM-DD. */
// Every hetu check asks for today's date; Helsinki's date changes only on a whole minute (its offsets
// are whole hours), so the last minute's answer is kept.
let lastToday: { minute: number; text: string } | undefined;

export function finnishToday(now: Date = new Date()): string {
  const minute = Math.floor(now.getTime() / 60_000);
  if (lastToday?.minute === minute) return lastToday.text;
  const text = FINNISH_DATE.format(now);
  lastToday = { minute, text };
  return text;
}

/** The birth date a well-formed hetu encodes (YYYY-MM-DD), or undefined when it names no real date. */
export function hetuBirthDate(value: string): string | undefined {
  const m = HETU_PATTERN.exec(value);
  if (!m) return undefined;
  const [, dd, mm, yy, sign] = m as unknown as [string, string, string, string, string];
  const century = CENTURY[sign];
  if (century === undefined) return undefined;
  const year = century + Number(yy);
  const date = new Date(Date.UTC(year, Number(mm) - 1, Number(dd)));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== Number(mm) - 1 || date.getUTCDate() !== Number(dd)) return undefined;
  return `${year}-${mm}-${dd}`;
}

/**
 * Checksum, a real calendar date, an individual number ≥ 002, and a birth date not after `today`
 * (YYYY-MM-DD, Finnish date; default: today in Finnish time): a code for someone born in the future
 * (010180B9004, born 2080) is a typing error, not a client.
 */
export function isValidHetu(value: string, today: string = finnishToday()): boolean {
  const m = HETU_PATTERN.exec(value);
  if (!m) return false;
  const [, dd, mm, yy, , individual, check] = m as unknown as [string, string, string, string, string, string, string];
  const born = hetuBirthDate(value);
  if (born === undefined || born > today) return false;
  if (Number(individual) < 2) return false;
  return CHECK_CHARS[Number(`${dd}${mm}${yy}${individual}`) % 31] === check;
}

/** Test persons of the Kanta customer-test environment have individual numbers 900–999. */
export function isTestHetu(value: string): boolean {
  const m = HETU_PATTERN.exec(value);
  return !!m && Number(m[5]) >= 900;
}

/** Builds a synthetic hetu with a valid checksum (test data only). */
export function makeHetu(day: number, month: number, year: number, individual: number): string {
  const dd = String(day).padStart(2, '0');
  const mm = String(month).padStart(2, '0');
  const yy = String(year % 100).padStart(2, '0');
  const sign = year >= 2000 ? 'A' : year >= 1900 ? '-' : '+';
  const nnn = String(individual).padStart(3, '0');
  return `${dd}${mm}${yy}${sign}${nnn}${CHECK_CHARS[Number(`${dd}${mm}${yy}${nnn}`) % 31]}`;
}
