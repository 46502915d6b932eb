// The smallest configuration a queue test needs: one access point, one signing identity and, for each
// organisation, a direct tenant `t<i>` acting for it; the queue settings are the test's own.
import type { ConfigInput } from '../../config/schema.ts';

export function queueTestConfig(orgs: readonly string[], queues: ConfigInput['queues']): ConfigInput {
  return {
    kanta: { accessPoints: [{ id: 'ap', url: 'https://127.0.0.1:1/kanta', senderId: '1.2.246.10.9.10.0' }] },
    queues,
    organisations: orgs.map((oid, i) => ({ oid, name: `Org ${i}`, kind: 'private-provider' as const })),
    signingIdentities: [{ id: 'sig', certificates: [{ certFile: '/dev/null', keyFile: '/dev/null' }] }],
    tenants: orgs.map((oid, i) => ({
      id: `t${i}`,
      name: `Tenant ${i}`,
      credentials: { apiTokenSha256: ['0'.repeat(64)] },
      actsFor: [{ organisation: oid, joining: { model: 'direct' as const } }],
      accessPoint: 'ap',
      signingIdentity: 'sig',
    })),
  };
}
