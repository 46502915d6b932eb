// HL7 V3 TS values for the frame (kanta-binding.md §2: creationTime "YYYYMMDDHHMMSS+ZZZZ"). The public
// samples carry Finnish local time with its offset (+0200 / +0300), so that is what we write.

const PARTS = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Helsinki',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
});

// Intl's formatToParts costs a few microseconds per call and every outbound frame asks for the time
// several times in the same second: the last second's answer is kept.
let last: { second: number; text: string } | undefined;

/** `when` as YYYYMMDDHHMMSS+ZZZZ in Europe/Helsinki time. */
export function formatHl7Timestamp(when: Date): string {
  if (Number.isNaN(when.getTime())) throw new RangeError('formatHl7Timestamp: invalid Date');
  const second = Math.floor(when.getTime() / 1000);
  if (last?.second === second) return last.text;
  const text = formatUncached(when);
  last = { second, text };
  return text;
}

function formatUncached(when: Date): string {
  const p: Record<string, string> = {};
  for (const part of PARTS.formatToParts(when)) p[part.type] = part.value;
  const local = `${p.year}${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
  // Offset = local wall clock minus UTC, both truncated to whole seconds.
  const wallUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
  const offsetMin = Math.round((wallUtc - Math.floor(when.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}
