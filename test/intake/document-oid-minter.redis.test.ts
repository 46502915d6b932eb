// The document-id minter on a real redis-server: ids under the arc, distinct across connections minting
// at once, one id per submission key (also for concurrent retries), and the arc configuration's rules.
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { ConfigSchema, type ConfigInput } from '../../config/schema.ts';
import { RedisDocumentOidMinter, SUBMISSION_KEY_TTL_SECONDS } from '../../gateway/intake/document-oid-minter.ts';
import { useRedis } from '../helpers/redis.ts';

const ORG = '1.2.246.10.11111111.10.0';
const ARC = '1.2.246.10.11111111.95.2026';

describe('document OID minter (Redis)', () => {
  const redis = useRedis();
  let a: Redis;
  let b: Redis;
  before(() => {
    a = new Redis(redis.url);
    b = new Redis(redis.url);
  });
  after(() => {
    a.disconnect();
    b.disconnect();
  });

  it('mints {arc}.{n} with distinct n for two connections minting at once', async () => {
    const m1 = new RedisDocumentOidMinter(a, 'kgw-m1');
    const m2 = new RedisDocumentOidMinter(b, 'kgw-m1');
    const ids = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? m1 : m2).mint({ organisation: ORG, arc: ARC, tenant: 'region' })));
    expect(new Set(ids).size).to.equal(200);
    for (const id of ids) expect(id).to.match(/^1\.2\.246\.10\.11111111\.95\.2026\.\d+$/);
    expect(await a.get(`kgw-m1:oid-counter:${ORG}`)).to.equal('200');
  });

  it('gives a submission key one id, also to concurrent retries, per tenant and organisation', async () => {
    const m1 = new RedisDocumentOidMinter(a, 'kgw-m2');
    const m2 = new RedisDocumentOidMinter(b, 'kgw-m2');
    const req = { organisation: ORG, arc: ARC, tenant: 'region', submissionKey: 'plan-0001-v1' };
    const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? m1 : m2).mint(req)));
    expect(new Set(ids).size).to.equal(1);
    expect(await m1.mint({ ...req, submissionKey: 'plan-0002-v1' })).to.not.equal(ids[0]);
    expect(await m1.mint({ ...req, tenant: 'other' })).to.not.equal(ids[0]);
    const [key] = await a.keys('kgw-m2:oid-key:region:*');
    expect(key).to.not.contain('plan-0001');
    const ttl = await a.ttl(key!);
    expect(ttl).to.be.greaterThan(SUBMISSION_KEY_TTL_SECONDS - 60).and.at.most(SUBMISSION_KEY_TTL_SECONDS);
  });

  it('answers QUEUE_UNAVAILABLE when Redis does not', async () => {
    const dead = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false });
    dead.on('error', () => {});
    const err = await new RedisDocumentOidMinter(dead, 'kgw').mint({ organisation: ORG, arc: ARC, tenant: 'region' }).then(() => undefined, (e: { code?: string }) => e);
    expect(err?.code).to.equal('QUEUE_UNAVAILABLE');
    dead.disconnect();
  });
});

describe('configuration: organisations[].documentOidArc', () => {
  const cfg = (arcs: Array<string | undefined>): ConfigInput => ({
    kanta: { accessPoints: [{ id: 'ap-1', url: 'https://kanta.example/sh', senderId: '1.2.246.10.99999999.10.0' }] },
    organisations: arcs.map((arc, i) => ({ oid: `1.2.246.10.${i + 1}.10.0`, name: `Org ${i}`, kind: 'private-provider' as const, ...(arc ? { documentOidArc: arc } : {}) })),
    signingIdentities: [{ id: 's', certificates: [{ certFile: 'c.pem', keyFile: 'k.pem' }] }],
    tenants: [{ id: 't', name: 'T', credentials: { apiTokenSha256: ['a'.repeat(64)] }, actsFor: [{ organisation: '1.2.246.10.1.10.0', joining: { model: 'direct' } }], accessPoint: 'ap-1', signingIdentity: 's' }],
  });

  it('is optional, must be an OID and must not be shared by two organisations', () => {
    expect(ConfigSchema.safeParse(cfg(['1.2.246.10.1.95', undefined])).success).to.equal(true);
    const notOid = ConfigSchema.safeParse(cfg(['1.2.x']));
    expect(notOid.success).to.equal(false);
    expect(notOid.error!.issues[0]!.path).to.deep.equal(['organisations', 0, 'documentOidArc']);
    const shared = ConfigSchema.safeParse(cfg(['1.2.246.10.1.95', '1.2.246.10.1.95']));
    expect(shared.success).to.equal(false);
    expect(shared.error!.issues.map((i) => i.path)).to.deep.include(['organisations', 1, 'documentOidArc']);
  });
});
