// Every certificate the gateway depends on (signing identities, access-point TLS client
// certificates) with its days to expiry; under 30 days is marked, under 14 is an alert (alerts.yml).
import type { IdentityReport } from '../../certs/keystore.ts';
import { html, page, table, type PageViewer } from './console-html.ts';

export function certificatesPage(rows: IdentityReport[], viewer: PageViewer): string {
  const sorted = [...rows].sort((a, b) => a.daysLeft - b.daysLeft);
  const body = sorted.map((c) => {
    const cls = c.state !== 'valid' || c.daysLeft < 14 ? 'bad' : c.daysLeft < 30 ? 'warn' : 'ok';
    return html`<tr><td>${c.identityId}</td><td>${c.usage}</td><td>${c.organisation ?? ''}</td><td>${c.subject}</td><td class="oid">${c.serial}</td><td>${c.notAfter}</td>
      <td class="num"><span class="badge ${cls}" data-testid="days-left">${c.daysLeft}</span></td><td>${c.state}${c.active ? '' : ' (standby)'}</td></tr>`;
  });
  return page('Certificates', table(['identity', 'usage', 'organisation', 'subject', 'serial', 'not after', 'days left', 'state'], body, { testId: 'certificates' }), viewer, '/ops/certificates');
}
