// Console sessions: a browser logs in once with the operator's token (or presents the operator's
// client certificate) and then carries only a random session id in a cookie — HttpOnly (no script
// reads it), SameSite=Strict (no other site's page sends it), Secure when the gateway listens with
// TLS, Path=/ops. The session lives in Redis (any gateway process serves it) under the SHA-256 of its
// id, so a Redis dump holds no usable cookie; it expires after IDLE_SECONDS without use and
// MAX_SECONDS after login whatever happens. Each session has its own CSRF token that every console
// form carries. The operator's role is re-read from the configuration in force on every request:
// removing or demoting an operator takes effect at once.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

export const SESSION_COOKIE = 'kgw_ops_session';
const IDLE_SECONDS = 30 * 60;
const MAX_SECONDS = 8 * 3600;

export interface ConsoleSession {
  name: string;
  csrf: string;
  createdAt: number;
}

export class ConsoleSessions {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(sid: string): string {
    return `${this.prefix}:ops:session:${createHash('sha256').update(sid).digest('hex')}`;
  }

  async create(name: string, now = Date.now()): Promise<{ sid: string; session: ConsoleSession }> {
    const sid = randomBytes(32).toString('base64url');
    const session: ConsoleSession = { name, csrf: randomBytes(24).toString('base64url'), createdAt: now };
    await this.redis.set(this.key(sid), JSON.stringify(session), 'EX', IDLE_SECONDS);
    return { sid, session };
  }

  /** The session, its idle timer renewed; undefined when unknown, expired or past its maximum age. */
  async get(sid: string | undefined, now = Date.now()): Promise<ConsoleSession | undefined> {
    if (!sid || sid.length > 100) return undefined;
    const v = await this.redis.get(this.key(sid));
    if (!v) return undefined;
    const s = JSON.parse(v) as ConsoleSession;
    if (now - s.createdAt > MAX_SECONDS * 1000) {
      await this.redis.del(this.key(sid));
      return undefined;
    }
    await this.redis.expire(this.key(sid), IDLE_SECONDS);
    return s;
  }

  async destroy(sid: string | undefined): Promise<void> {
    if (sid) await this.redis.del(this.key(sid));
  }
}

export function csrfMatches(session: ConsoleSession, sent: unknown): boolean {
  if (typeof sent !== 'string') return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(sent);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

export function sessionCookie(sid: string, secure: boolean, maxAge = MAX_SECONDS): string {
  return `${SESSION_COOKIE}=${sid}; Path=/ops; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure ? '; Secure' : ''}`;
}

export function clearedCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/ops; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}
