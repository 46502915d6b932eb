// Calendar dates in Finnish time (Europe/Helsinki). Right periods and contracts are day-granular and
// inclusive, and the archive reads them as Finnish dates, so an instant is compared through this.
const FINNISH_DATE = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Helsinki', year: 'numeric', month: '2-digit', day: '2-digit' });

// Intl formatting costs microseconds; Helsinki's offset only changes on whole hours, so the date of
// one minute is the date of every instant in it. One-entry memo, deterministic.
let memoMinute = Number.NaN;
let memoDate = '';

export function finnishDate(at: Date): string {
  const minute = Math.floor(at.getTime() / 60_000);
  if (minute !== memoMinute) {
    memoDate = FINNISH_DATE.format(at);
    memoMinute = minute;
  }
  return memoDate;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD (rejects 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Inclusive day window check on YYYY-MM-DD strings (lexical order = date order). */
export function withinDays(date: string, start: string, end: string | undefined): boolean {
  return date >= start && (end === undefined || date <= end);
}
