// Mints document OIDs for JSON intake (kanta.md §2: ids under the organisation's own arc): id =
// {arc}.{n}, n from Redis INCR on {prefix}:oid-counter:{organisation}. INCR is atomic, so every gateway
// process sharing the Redis gets distinct numbers; with AOF (appendonly yes, as the demo and deployment
// run it) the counter survives restarts. A submission key maps, per tenant and organisation, to the id
// it got the first time, so a client's retry builds the same CDA bytes and is answered as a
// resubmission instead of becoming a second document. Both happen in one Lua script: no id is handed
// out twice for one key, even to concurrent retries.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { DocumentIdMinter, MintRequest } from '../../adapters/intake/json-document.ts';
import { storageCall } from '../../domain/errors.ts';

/** How long a submission key remembers its document id. */
export const SUBMISSION_KEY_TTL_SECONDS = 7 * 86_400;

const MINT_ONCE = `
local known = redis.call('GET', KEYS[1])
if known then return known end
local id = ARGV[1] .. '.' .. redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], id, 'EX', tonumber(ARGV[2]))
return id
`;

export class RedisDocumentOidMinter implements DocumentIdMinter {
  constructor(
    private readonly redis: Pick<Redis, 'incr' | 'eval'>,
    private readonly prefix: string,
  ) {}

  counterKey(organisation: string): string {
    return `${this.prefix}:oid-counter:${organisation}`;
  }

  mint(req: MintRequest): Promise<string> {
    return storageCall(async () => {
      if (req.submissionKey === undefined) return `${req.arc}.${await this.redis.incr(this.counterKey(req.organisation))}`;
      // The key is hashed: it is the client's text and may be long; the hash bounds the Redis key.
      const hashed = createHash('sha256').update(req.submissionKey).digest('hex');
      const remembered = `${this.prefix}:oid-key:${req.tenant}:${req.organisation}:${hashed}`;
      return String(await this.redis.eval(MINT_ONCE, 2, remembered, this.counterKey(req.organisation), req.arc, SUBMISSION_KEY_TTL_SECONDS));
    });
  }
}
