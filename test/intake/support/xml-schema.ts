// Validates XML against an XSD with Debian's xmllint (libxml2-utils) or, when that is not installed,
// the xmllint-wasm package (the same libxml2 compiled to WebAssembly).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface SchemaResult {
  valid: boolean;
  errors: string;
  tool: string;
}

function hasXmllint(): boolean {
  return spawnSync('xmllint', ['--version']).status === 0;
}

export async function validateAgainst(schemaDir: string, entry: string, xml: string | Buffer): Promise<SchemaResult> {
  if (hasXmllint()) {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kgw-xml-')), 'doc.xml');
    writeFileSync(file, xml);
    const r = spawnSync('xmllint', ['--noout', '--nonet', '--schema', path.join(schemaDir, entry), file], { encoding: 'utf8' });
    return { valid: r.status === 0, errors: r.stderr, tool: 'xmllint' };
  }
  const { validateXML } = await import('xmllint-wasm');
  const xsd = readdirSync(schemaDir).filter((f) => f.endsWith('.xsd'));
  const r = await validateXML({
    xml: [{ fileName: 'doc.xml', contents: Buffer.isBuffer(xml) ? xml.toString('utf8') : xml }],
    schema: [{ fileName: entry, contents: readFileSync(path.join(schemaDir, entry), 'utf8') }],
    preload: xsd.filter((f) => f !== entry).map((f) => ({ fileName: f, contents: readFileSync(path.join(schemaDir, f), 'utf8') })),
  });
  return { valid: r.valid, errors: r.rawOutput, tool: 'xmllint-wasm' };
}
