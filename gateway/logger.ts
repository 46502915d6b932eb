// Structured JSON logging with redaction. winston has no built-in redaction, so a format strips
// fields that may carry personal data or document content, and masks anything hetu-shaped in the
// remaining strings: a second line of defence behind "never log a hetu" in the code itself.
import winston from 'winston';

// Letters and digits bound a hetu, '_' does not (\b would miss "cda_150316A901X.xml").
const HETU_ANYWHERE = /(?<![0-9A-Za-z])\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?![0-9A-Za-z])/g;
// Compared lower-cased: "Authorization" and "signedXML" are the same danger as their other spellings.
const REDACTED_KEYS = new Set(['hetu', 'henkilotunnus', 'client', 'clientid', 'extension', 'xml', 'cda', 'body', 'payload', 'signedcda', 'signedxml', 'document', 'content', 'authorization', 'token', 'password', 'privatekey']);
const isRedactedKey = (key: string): boolean => REDACTED_KEYS.has(key.toLowerCase());

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(HETU_ANYWHERE, '[hetu]');
  if (value === null || typeof value !== 'object') return value;
  // Bytes would be written as numbers, i.e. the document in readable disguise.
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`;
  // Past the depth limit nothing is walked, so nothing unwalked may be written either.
  if (depth > 6) return '[too deep]';
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1), code: (value as { code?: unknown }).code };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = isRedactedKey(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    (info as Record<string, unknown>)[key] = isRedactedKey(key) ? '[redacted]' : redact((info as Record<string, unknown>)[key]);
  }
  return info;
});

export type Logger = winston.Logger;

export function createLogger(opts: { level?: string; silent?: boolean; stream?: NodeJS.WritableStream } = {}): Logger {
  return winston.createLogger({
    level: opts.level ?? process.env.KGW_LOG_LEVEL ?? 'info',
    silent: opts.silent ?? false,
    format: winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json()),
    transports: [opts.stream ? new winston.transports.Stream({ stream: opts.stream }) : new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}
