// Frame ↔ CDA consistency (kanta.md check 4, made here before anything is stored): every fact the
// tenant's frame repeats about its document must be what the CDA inside says, and the palvelupyyntö
// must fit the interaction and the document group. A disagreement is refused with the field it is
// about; values are never quoted back (they may be a hetu).
import type { DocumentMetadata } from '../../../domain/document-header.ts';
import { GatewayError } from '../../../domain/errors.ts';
import type { DocumentOperation } from '../../../domain/values.ts';
import type { KantaCodes } from '../../../config/schema.ts';
import { serviceRequestCode } from '../../kanta/message-builder.ts';
import type { NativeArchiveFrame } from './archive-frame.ts';

const CD = 'controlActProcess/subject/clinicalDocument';

function mismatch(field: string, what: string): GatewayError {
  return new GatewayError('NATIVE_FRAME_CDA_MISMATCH', `The frame's ${what} differs from the CDA's`, { details: { field } });
}

export function checkFrameAgainstCda(frame: NativeArchiveFrame, header: DocumentMetadata, operation: DocumentOperation, codes: KantaCodes, contentId?: string): void {
  const d = frame.document;
  if (d.id !== header.documentId) throw mismatch(`${CD}/id`, 'document id');
  if (contentId !== undefined && contentId !== header.documentId) throw mismatch(`${CD}/text Content-ID`, 'MIME Content-ID');
  if (d.setId !== header.setId) throw mismatch(`${CD}/setId`, 'setId');
  if (d.versionNumber !== header.versionNumber) throw mismatch(`${CD}/versionNumber`, 'versionNumber');
  if (d.custodian !== header.custodian) throw mismatch(`${CD}/custodian`, 'custodian');
  if (d.patient.root !== header.client.root || d.patient.extension !== header.client.extension) throw mismatch(`${CD}/recordTarget/patient/id`, 'client (recordTarget)');
  const fp = d.parent;
  const cp = header.parent;
  if (Boolean(fp) !== Boolean(cp)) throw mismatch(`${CD}/relatedDocument`, 'replaced document (RPLC)');
  if (fp && cp) {
    if (fp.id !== cp.id) throw mismatch(`${CD}/relatedDocument/parentDocument/id`, 'replaced document id');
    if ((fp.setId ?? header.setId) !== (cp.setId ?? header.setId)) throw mismatch(`${CD}/relatedDocument/parentDocument/setId`, 'replaced document setId');
    const fv = fp.versionNumber ?? header.versionNumber - 1;
    const cv = cp.versionNumber ?? header.versionNumber - 1;
    if (fv !== cv) throw mismatch(`${CD}/relatedDocument/parentDocument/versionNumber`, 'replaced document version');
  }
  // Palvelupyyntö: the code the gateway itself would write for this operation and document group.
  const expected = serviceRequestCode(codes, operation, header.documentGroup);
  if (frame.serviceRequest !== expected) {
    throw new GatewayError('NATIVE_SERVICE_REQUEST_MISMATCH', `The palvelupyyntö for a ${operation} of document group ${header.documentGroup} is ${expected}`, { details: { field: 'controlActProcess/reasonCode', expected } });
  }
}
