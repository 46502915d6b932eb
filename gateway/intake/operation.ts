// Which Kanta operation a submission is (kanta.md §1.2): what it named, checked against the header, or
// what the header implies. The same rule for every intake format, and the same checks whether or not the
// caller named the operation: a versionNumber > 1 without relatedDocument RPLC is refused here either
// way, instead of being accepted and parked later because the archive has no parent to replace.
import type { DocumentMetadata } from '../../domain/document-header.ts';
import { GatewayError } from '../../domain/errors.ts';
import { DOCUMENT_OPERATIONS, type DocumentOperation } from '../../domain/values.ts';

function requested(header: Pick<DocumentMetadata, 'versionNumber'>, named: string | undefined): DocumentOperation {
  const asked = named?.trim().toLowerCase();
  if (asked === undefined || asked === '') return header.versionNumber > 1 ? 'version' : 'archive';
  if (!(DOCUMENT_OPERATIONS as readonly string[]).includes(asked)) throw new GatewayError('INTAKE_UNKNOWN_OPERATION');
  return asked as DocumentOperation;
}

export function operationOf(header: Pick<DocumentMetadata, 'versionNumber' | 'parent'>, named: string | undefined): DocumentOperation {
  const op = requested(header, named);
  if ((op === 'version' || op === 'void') && !header.parent) {
    throw new GatewayError('INTAKE_MISSING_FIELD', `A ${op} (versionNumber ${header.versionNumber}) needs relatedDocument typeCode="RPLC" naming the parent`, { details: { field: 'relatedDocument' } });
  }
  if (op === 'archive' && header.versionNumber !== 1) {
    throw new GatewayError('INTAKE_INVALID_FIELD', 'A new document has versionNumber 1; send later versions as Kanta-Operation: version', { details: { field: 'versionNumber' } });
  }
  return op;
}
