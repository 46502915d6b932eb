// Signatures a tenant's document already carries (e.g. professional signatures) must verify before the
// gateway accepts it: the archive would refuse it later, after the tenant was told "accepted". A
// signature is only as good as the CA its certificate chains to, so verification needs a trusted CA
// bundle (signer.trustedCaFile): without one a signed document is refused with its own code rather than
// accepted on the strength of whatever certificate it embeds — unless the tenant's configuration turns
// verification off explicitly (verifyIncomingSignatures: false). Whose certificate they must carry is
// configuration (signer.incomingSigner): anyone's, the custodian's (default), or one of the
// organisations the tenant acts for.
import type { VerificationResult, VerifyOptions } from '../../certs/verify.ts';
import type { Config, Tenant } from '../../config/schema.ts';
import type { DocumentMetadata } from '../../domain/document-header.ts';
import { GatewayError } from '../../domain/errors.ts';
import type { ParsedDocument } from '../../domain/parsed-document.ts';
import type { SignatureReceipt } from '../../domain/signature-receipt.ts';

/** Verifies signatures in a document: the signer pool's threads, or in-process where there is no pool. */
export type IncomingVerifyOptions = Pick<VerifyOptions, 'trustedCaPems' | 'expectedSignerOids'>;
export type SignatureVerifier = (xml: string, opts: IncomingVerifyOptions) => Promise<Pick<VerificationResult, 'valid' | 'reason'> & { signatures?: VerificationResult['signatures'] }>;

export function expectedSignerOids(rule: Config['signer']['incomingSigner'], header: Pick<DocumentMetadata, 'custodian'>, tenant: Pick<Tenant, 'actsFor'>): string[] | undefined {
  if (rule === 'custodian') return [header.custodian];
  if (rule === 'tenant') return tenant.actsFor.map((a) => a.organisation);
  return undefined;
}

export interface IncomingSignaturePolicy {
  verifier: SignatureVerifier;
  /** signer.addSystemSignature: whether a valid system signature of the custodian already in the document is enough. */
  addSystemSignature?(): Config['signer']['addSystemSignature'];
  rule(): Config['signer']['incomingSigner'];
  /** The trusted CA bundle of the current configuration, read once per configuration version. */
  trustedCaPems(): string[] | undefined;
}

/**
 * The receipt of a valid system signature of the custodian already in the document, which the gateway
 * then keeps instead of adding a second one (signer.addSystemSignature: whenMissing).
 */
export function keptSystemSignature(signatures: VerificationResult['signatures'] | undefined, header: Pick<DocumentMetadata, 'custodian' | 'bodyId'>): SignatureReceipt | undefined {
  const s = signatures?.find((x) => x.kind === 'system' && x.valid && x.signer?.serialNumber === header.custodian && x.bodyDigest && x.timestampId && x.signedAt);
  if (!s || !s.signer || !header.bodyId) return undefined;
  return { signatureId: s.id, timestampId: s.timestampId!, signedAt: s.signedAt!, bodyId: header.bodyId, bodyDigest: s.bodyDigest!, signer: s.signer, origin: 'document', selfCheck: 'passed' };
}

/**
 * Throws INTAKE_SIGNATURE_TRUST_NOT_CONFIGURED when the document is signed but no CA is trusted, and
 * INTAKE_INVALID_SIGNATURE when a signature the document carries does not verify.
 */
export async function checkIncomingSignatures(parsed: ParsedDocument, tenant: Pick<Tenant, 'actsFor'> & Partial<Pick<Tenant, 'verifyIncomingSignatures'>>, policy: IncomingSignaturePolicy): Promise<SignatureReceipt | undefined> {
  if (parsed.header.signatures.length === 0) return undefined;
  // Not verified here, so not vouched for either: the gateway adds its own system signature.
  if (tenant.verifyIncomingSignatures === false) return undefined;
  const pems = policy.trustedCaPems();
  if (!pems || pems.length === 0) throw new GatewayError('INTAKE_SIGNATURE_TRUST_NOT_CONFIGURED');
  const expected = expectedSignerOids(policy.rule(), parsed.header, tenant);
  const opts: IncomingVerifyOptions = { trustedCaPems: pems, ...(expected ? { expectedSignerOids: expected } : {}) };
  const r = await policy.verifier(parsed.cda.toString('utf8'), opts);
  if (!r.valid) throw new GatewayError('INTAKE_INVALID_SIGNATURE', undefined, { details: { reason: r.reason ?? 'invalid' } });
  return (policy.addSystemSignature?.() ?? 'whenMissing') === 'whenMissing' ? keptSystemSignature(r.signatures, parsed.header) : undefined;
}
