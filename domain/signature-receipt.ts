// What the gateway's system signature looked like once applied: stored on the document record and
// shown on the status API (never the document content).

export interface SignatureReceipt {
  signatureId: string;
  timestampId: string;
  /** signatureTimestamp value (xs:dateTime, UTC). */
  signedAt: string;
  /** nonXMLBody/@ID (or structuredBody/@ID): "OID" + document id. */
  bodyId: string;
  /** SHA-256 (base64) of the exc-c14n body as referenced: the body reference's DigestValue. */
  bodyDigest: string;
  signer: { subject: string; serialNumber?: string; issuer: string; certificateSerial: string; notAfter: string };
  /**
   * 'document': the tenant's own system signature of the custodian, verified at intake and kept (the
   * gateway added none, signer.addSystemSignature: whenMissing); absent: the gateway signed.
   */
  origin?: 'document';
  /** Whether the output was verified again after signing (SignerPool selfCheck, or opts.selfCheck). */
  selfCheck: 'passed' | 'not-run';
}
