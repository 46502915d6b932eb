// Structured JSON logging with redaction. winston has no built-in redaction, so a format strips
// fields that may carry personal data or document content, and masks anything hetu-shaped in the
// remaining strings: a second line of defence behind "never log a hetu" in the code itself.
import winston from 'winston';

const HETU_ANYWHERE = /\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b/g;
const REDACTED_KEYS = new Set(['hetu', 'henkilotunnus', 'client', 'clientId', 'extension', 'xml', 'cda', 'body', 'payload', 'signedCda', 'signedXml', 'document', 'content', 'authorization', 'token', 'password', 'privateKey']);

export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(HETU_ANYWHERE, '[hetu]');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value instanceof Error) return { name: value.name, message: redact(value.message, depth + 1), code: (value as { code?: unknown }).code };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = REDACTED_KEYS.has(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

const redactFormat = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (key === 'level' || key === 'timestamp') continue;
    (info as Record<string, unknown>)[key] = REDACTED_KEYS.has(key) ? '[redacted]' : redact((info as Record<string, unknown>)[key]);
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
