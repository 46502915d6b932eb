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

/** One document of a signBatch; `now` as epoch ms. */
export interface BatchItem {
  xml: string;
  now?: number;
}

export type BatchResult = { ok: true; signedXml: string; receipt: SignatureReceipt } | { ok: false; error: PlainError };

export type ToThread =
  | { type: 'sign'; id: number; identityId: string; xml: string; now?: number }
  | { type: 'signBatch'; id: number; identityId: string; items: BatchItem[] }
  | { type: 'reload'; id: number; identities?: SigningIdentityConfig[] }
  | { type: 'verify'; id: number; xml: string; options: VerifyRequestOptions };

export type FromThread =
  | { type: 'ready'; error?: PlainError }
  | { type: 'signed'; id: number; signedXml: string; receipt: SignatureReceipt }
  | { type: 'signedBatch'; id: number; results: BatchResult[] }
  | { type: 'failed'; id: number; error: PlainError }
  | { type: 'reloaded'; id: number; error?: PlainError }
  | { type: 'verified'; id: number; result: VerificationResult };
