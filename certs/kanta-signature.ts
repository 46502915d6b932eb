// The fixed vocabulary of Kanta CDA signatures (kanta.md §3, "CDA R2 -asiakirjojen sähköisen
// allekirjoituksen määritys"): where they sit, which algorithms are allowed, what the codes mean.
// Shared by the signer and the verifier so the two cannot drift apart.

export const DS_NS = 'http://www.w3.org/2000/09/xmldsig#';
export const HL7_NS = 'urn:hl7-org:v3';
export const HL7FI_NS = 'urn:hl7finland';

export const ALG = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

/** Only these may appear in a signature the gateway accepts; anything else (rsa-sha1, c14n with comments, XPath) is refused. */
export const ALLOWED = {
  canonicalization: new Set<string>([ALG.excC14n]),
  signature: new Set<string>([ALG.rsaSha256]),
  digest: new Set<string>([ALG.sha256]),
  transform: new Set<string>([ALG.excC14n, ALG.envelopedSignature]),
};

/** hl7fi:signatureDescription codes, codeSystem 1.2.246.537.5.40127.2006 ("Sähköisen allekirjoituksen tyyppi"). */
export const SIGNATURE_TYPE_CODE_SYSTEM = '1.2.246.537.5.40127.2006';
export const SIGNATURE_KIND_BY_CODE: Record<string, SignatureKind> = { '1': 'professional', '3': 'system' };
export type SignatureKind = 'professional' | 'system';

/** The body element a Kanta document's signatures must cover: SH uses nonXMLBody, PTA structuredBody. */
export const BODY_ELEMENTS = ['nonXMLBody', 'structuredBody'] as const;

/** Attribute local names xml-crypto dereferences `#id` against; uniqueness is checked over all of them. */
export const ID_ATTRIBUTES = ['ID', 'Id', 'id'] as const;
