// Opens a PKCS#12 (.p12/.pfx) file into PEM. node-forge is used here and only here: at load time,
// on files the operator installed (libs.md §4.1: it reads both legacy 3DES and OpenSSL 3 AES-256
// files). Nothing forge produces is used to verify anything; the PEM goes straight to Node's crypto.
import forge from 'node-forge';
import { GatewayError } from '../domain/errors.ts';

export interface Pkcs12Contents {
  privateKeyPem: string;
  /** All certificates in the file, as PEM, in file order. */
  certificatePems: string[];
}

const WRONG_PASSWORD = /invalid password|mac could not be verified|pkcs#12 mac|unable to decrypt|decrypt/i;

export function openPkcs12(der: Buffer, password: string, file: string): Pkcs12Contents {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(der.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (err) {
    const message = (err as Error).message ?? '';
    if (WRONG_PASSWORD.test(message)) throw new GatewayError('CERT_WRONG_PASSWORD', `The PKCS#12 password is wrong for ${file}`);
    throw new GatewayError('CERT_LOAD_FAILED', `${file} is not a readable PKCS#12 file: ${message.slice(0, 120)}`, { cause: err });
  }
  const bagsOf = (type: string | undefined): forge.pkcs12.Bag[] => (type ? (p12.getBags({ bagType: type })[type] ?? []) : []);
  const keyBags = [...bagsOf(forge.pki.oids.pkcs8ShroudedKeyBag), ...bagsOf(forge.pki.oids.keyBag)];
  const certBags = bagsOf(forge.pki.oids.certBag);
  const key = keyBags.find((b) => b.key)?.key;
  if (!key) {
    // forge leaves the key undefined (instead of throwing) when the password decrypts nothing usable.
    if (keyBags.length > 0) throw new GatewayError('CERT_WRONG_PASSWORD', `The PKCS#12 password is wrong for ${file}`);
    throw new GatewayError('CERT_LOAD_FAILED', `${file} holds no private key`);
  }
  const certificatePems = certBags.flatMap((b: forge.pkcs12.Bag) => (b.cert ? [forge.pki.certificateToPem(b.cert)] : []));
  if (certificatePems.length === 0) throw new GatewayError('CERT_LOAD_FAILED', `${file} holds no certificate`);
  return { privateKeyPem: forge.pki.privateKeyToPem(key as forge.pki.rsa.PrivateKey), certificatePems };
}
