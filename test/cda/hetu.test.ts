// The hetu check (issue 13): checksum, real date, and no birth date in the future; the birth date and
// age helpers the minors rule uses. Synthetic test persons only (individual numbers 900–999).
import { expect } from 'chai';
import { finnishToday, hetuBirthDate, isValidHetu, makeHetu } from '../../adapters/cda/hetu.ts';
import { readDocumentMetadata } from '../../adapters/cda/read-metadata.ts';
import { makeSampleCda } from '../../adapters/cda/sample-document.ts';
import { parseXmlSafely } from '../../adapters/xml/safe-parse.ts';
import { errorCodeOf, GatewayError } from '../../domain/errors.ts';

describe('hetu', () => {
  it('refuses a birth date in the future: 010180B9004 (born 2080) is checksum-valid but invalid', () => {
    expect(hetuBirthDate('010180B9004')).to.equal('2080-01-01');
    expect(isValidHetu('010180B9004', '9999-12-31')).to.equal(true); // the checksum and the date are fine
    expect(isValidHetu('010180B9004')).to.equal(false);
    expect(isValidHetu('010180B9004', '2080-01-01')).to.equal(true);
    expect(isValidHetu('010180B9004', '2079-12-31')).to.equal(false);
  });

  it('accepts past birth dates of every century sign', () => {
    for (const h of [makeHetu(18, 4, 2018, 903), makeHetu(2, 2, 1990, 955), makeHetu(1, 1, 1899, 901)]) expect(isValidHetu(h), h.slice(0, 6)).to.equal(true);
    expect(hetuBirthDate(makeHetu(1, 1, 1899, 901))).to.equal('1899-01-01');
  });

  it('refuses impossible dates and bad checksums as before', () => {
    expect(hetuBirthDate('310218A903X')).to.equal(undefined);
    const good = makeHetu(18, 4, 2018, 903);
    expect(isValidHetu(`${good.slice(0, 10)}${good.endsWith('A') ? 'B' : 'A'}`)).to.equal(false);
  });

  it('finnishToday is the Europe/Helsinki date', () => {
    expect(finnishToday(new Date('2026-12-31T22:30:00Z'))).to.equal('2027-01-01');
    // The cached date lasts one minute only: Helsinki's midnight falls on a whole UTC minute.
    expect(finnishToday(new Date('2026-12-31T21:59:59.999Z'))).to.equal('2026-12-31');
    expect(finnishToday(new Date('2026-12-31T22:00:00.000Z'))).to.equal('2027-01-01');
    expect(finnishToday(new Date('2026-06-30T20:59:00Z'))).to.equal('2026-06-30');
  });

  it('the header reader refuses a future-born client with INTAKE_INVALID_HETU, reason future-birth-date', () => {
    const xml = makeSampleCda({ documentId: '1.2.246.10.1.95.1', custodian: '1.2.246.10.1.10.0', serviceUnit: '1.2.246.10.1.20.1', hetu: '010180B9004' });
    let err: unknown;
    try {
      readDocumentMetadata(parseXmlSafely(xml));
    } catch (e) {
      err = e;
    }
    expect(errorCodeOf(err)).to.equal('INTAKE_INVALID_HETU');
    expect((err as GatewayError).details).to.deep.equal({ reason: 'future-birth-date' });
    expect(readDocumentMetadata(parseXmlSafely(xml), new Date('2080-06-01T12:00:00Z')).client.extension).to.equal('010180B9004');
  });
});
