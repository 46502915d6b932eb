import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { ERROR_CATALOGUE, GatewayError, errorCodeOf, isErrorCode, type ErrorCode } from '../domain/errors.ts';

describe('error catalogue', () => {
  const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

  it('uses AREA_REASON codes', () => {
    for (const code of codes) expect(code).to.match(/^[A-Z]+(_[A-Z0-9]+)+$|^[A-Z]+$/);
  });

  it('documents every code in docs/errors.md with its status', () => {
    for (const code of codes) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${code}\` |`));
      expect(row, `docs/errors.md has no row for ${code}`).to.be.a('string');
      expect(row).to.contain(`| ${ERROR_CATALOGUE[code].status} |`);
    }
  });

  it('lists no code in the docs that the catalogue lacks', () => {
    const documented = [...doc.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
    for (const code of documented) expect(isErrorCode(code), `${code} documented but not in gateway/errors.ts`).to.equal(true);
  });

  it('carries code, status and retryability, and survives structured cloning', () => {
    const err = new GatewayError('KANTA_TIMEOUT', undefined, { details: { ms: 5 } });
    expect(err.status).to.equal(504);
    expect(err.retryable).to.equal(true);
    const cloned = structuredClone({ code: err.code, message: err.message });
    expect(errorCodeOf(cloned)).to.equal('KANTA_TIMEOUT');
    expect(errorCodeOf(new Error('x'))).to.equal(undefined);
    expect(err.toJSON()).to.deep.equal({ code: 'KANTA_TIMEOUT', message: ERROR_CATALOGUE.KANTA_TIMEOUT.message, details: { ms: 5 } });
  });
});
