// Synthetic document OIDs for the demo and the tests.

let serial = 0;

/** A document OID under the organisation's arc (kanta.md §2), unique within this process. */
export function newDocumentId(org: string): string {
  serial += 1;
  return `${org}.95.${Date.now()}${String(serial).padStart(4, '0')}`;
}
