// Messages between SignerPool and its sign-thread workers (structured-clone safe: plain data only).
import type { ErrorCode } from '../domain/errors.ts';
import type { SigningIdentityConfig } from '../config/schema.ts';
import type { SignatureReceipt } from './system-signer.ts';
import type { VerificationResult } from './verify.ts';

/** VerifyOptions as plain data (a Date does not cross as a Date). */
export interface VerifyRequestOptions {
  trustedCaPems?: string[];
  expectedSignerOids?: string[];
  now?: number;
  requireSystemSignature?: boolean;
}

export interface PlainError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export type ToThread =
  | { type: 'sign'; id: number; identityId: string; xml: string; now?: number }
  | { type: 'reload'; id: number; identities?: SigningIdentityConfig[] }
  | { type: 'verify'; id: number; xml: string; options: VerifyRequestOptions };

export type FromThread =
  | { type: 'ready'; error?: PlainError }
  | { type: 'signed'; id: number; signedXml: string; receipt: SignatureReceipt }
  | { type: 'failed'; id: number; error: PlainError }
  | { type: 'reloaded'; id: number; error?: PlainError }
  | { type: 'verified'; id: number; result: VerificationResult };
