import { expect } from 'chai';
import { crossedThreshold, expirySamples, expiryWarnings } from '../../certs/expiry.ts';
import type { IdentityReport } from '../../certs/keystore.ts';

const DAY = 86_400;

function row(identityId: string, daysLeft: number, active: boolean, usage: IdentityReport['usage'] = 'system-signature'): IdentityReport {
  return {
    identityId, usage, subject: `CN=${identityId}`, issuer: 'CN=CA', serial: `${identityId}-${daysLeft}`,
    notBefore: '2026-01-01T00:00:00.000Z', notAfter: '2027-01-01T00:00:00.000Z',
    secondsToExpiry: daysLeft * DAY, daysLeft, active, state: daysLeft < 0 ? 'expired' : 'valid', source: '/x.pem',
  };
}

describe('certs/expiry', () => {
  it('says which warning threshold (30, 14, 7 days) was crossed, 0 once expired', () => {
    const table: Array<[number, number | undefined]> = [
      [31 * DAY, undefined],
      [30 * DAY, 30],
      [15 * DAY, 30],
      [14 * DAY, 14],
      [8 * DAY, 14],
      [7 * DAY, 7],
      [60, 7],
      [0, 0],
      [-5 * DAY, 0],
    ];
    for (const [seconds, expected] of table) expect(crossedThreshold(seconds), `${seconds}s`).to.equal(expected);
    expect(crossedThreshold(45 * DAY, [60, 10])).to.equal(60);
  });

  it('reports one gauge sample per identity and usage: the active certificate, else the longest-lived', () => {
    const samples = expirySamples([
      row('org1', 20, false),
      row('org1', 700, true),
      row('org2', -3, false),
      row('org2', -40, false),
      row('ap', 10, true, 'tls-client'),
    ]);
    expect(samples.map((s) => [s.identityId, s.usage, s.secondsToExpiry / DAY])).to.deep.equal([
      ['org1', 'system-signature', 700],
      ['org2', 'system-signature', -3],
      ['ap', 'tls-client', 10],
    ]);
  });

  it('lists warnings most urgent first and ignores identities rotated in time', () => {
    const warnings = expiryWarnings([row('org1', 5, false), row('org1', 400, true), row('org2', 12, true), row('org3', -1, false), row('ap', 29, true, 'tls-client')]);
    expect(warnings.map((w) => [w.identityId, w.thresholdDays])).to.deep.equal([
      ['org3', 0],
      ['org2', 14],
      ['ap', 30],
    ]);
  });
});
