// Reads the two certificate facts Node's X509Certificate does not expose reliably: subject
// attributes by OID (serialNumber 2.5.4.5, CN 2.5.4.3) and the KeyUsage bits (2.5.29.15). A minimal
// DER walker over the certificate Node already parsed and verified: @peculiar/x509 needs a
// reflect-metadata polyfill this project does not install, and node-forge must not verify anything.

interface Tlv {
  tag: number;
  start: number;
  end: number;
}

function readTlv(buf: Buffer, offset: number): Tlv {
  const tag = buf[offset] as number;
  let len = buf[offset + 1] as number;
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i += 1) len = len * 256 + (buf[start + i] as number);
    start += n;
  }
  if (start + len > buf.length) throw new Error('DER length beyond buffer');
  return { tag, start, end: start + len };
}

function childrenOf(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end;) {
    const t = readTlv(buf, p);
    out.push(t);
    p = t.end;
  }
  return out;
}

function oidString(bytes: Buffer): string {
  const parts: number[] = [];
  const first = bytes[0] as number;
  parts.push(first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80);
  let value = 0;
  for (let i = 1; i < bytes.length; i += 1) {
    const b = bytes[i] as number;
    value = value * 128 + (b & 0x7f);
    if (!(b & 0x80)) { parts.push(value); value = 0; }
  }
  return parts.join('.');
}

export interface CertificateFacts {
  /** Subject attribute values by OID, e.g. '2.5.4.5' → ['1.2.246.10.1.10.0']. */
  subject: Map<string, string[]>;
  /** KeyUsage bits as in RFC 5280 order: bit 0 digitalSignature, bit 1 nonRepudiation…; undefined when absent. */
  keyUsage: { digitalSignature: boolean; nonRepudiation: boolean } | undefined;
}

export function certificateFacts(der: Buffer): CertificateFacts {
  const cert = readTlv(der, 0);
  const tbs = childrenOf(der, cert)[0];
  if (!tbs) throw new Error('no tbsCertificate');
  const fields = childrenOf(der, tbs);
  // An explicit [0] version is optional; subject is the 5th field after it (serial, sigAlg, issuer, validity, subject).
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
  const subjectTlv = fields[offset + 4];
  if (!subjectTlv) throw new Error('no subject');
  const subject = new Map<string, string[]>();
  for (const rdn of childrenOf(der, subjectTlv)) {
    for (const atv of childrenOf(der, rdn)) {
      const [oidTlv, valueTlv] = childrenOf(der, atv);
      if (!oidTlv || !valueTlv) continue;
      const oid = oidString(der.subarray(oidTlv.start, oidTlv.end));
      const value = der.subarray(valueTlv.start, valueTlv.end).toString(valueTlv.tag === 0x1e ? 'utf16le' : 'utf8');
      subject.set(oid, [...(subject.get(oid) ?? []), value]);
    }
  }
  let keyUsage: CertificateFacts['keyUsage'];
  const extsWrapper = fields.find((f) => f.tag === 0xa3);
  const exts = extsWrapper ? childrenOf(der, extsWrapper)[0] : undefined;
  for (const ext of exts ? childrenOf(der, exts) : []) {
    const parts = childrenOf(der, ext);
    const oidTlv = parts[0];
    const valueTlv = parts[parts.length - 1];
    if (!oidTlv || !valueTlv || oidString(der.subarray(oidTlv.start, oidTlv.end)) !== '2.5.29.15') continue;
    const bits = readTlv(der, valueTlv.start);
    const first = bits.end - bits.start > 1 ? (der[bits.start + 1] as number) : 0;
    keyUsage = { digitalSignature: (first & 0x80) !== 0, nonRepudiation: (first & 0x40) !== 0 };
  }
  return { subject, keyUsage };
}
