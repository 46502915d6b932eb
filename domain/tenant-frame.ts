// How a message id is written where one string must hold it (the record, its history): `root^extension`.
import type { InstanceId } from './document-header.ts';

export function messageIdText(id: InstanceId): string {
  return id.extension === undefined ? id.root : `${id.root}^${id.extension}`;
}
