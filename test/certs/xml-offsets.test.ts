import { expect } from 'chai';
import { attributeByLocalName, scanElements, scannedChildren } from '../../certs/xml-offsets.ts';
import { errorCodeOf } from '../../domain/errors.ts';

describe('certs/xml-offsets', () => {
  it('gives exact offsets and namespaces, stepping over comments, CDATA and quoted ">"', () => {
    const text = '<?xml version="1.0"?>\r\n<r xmlns="urn:a" xmlns:p="urn:b"><!-- <p:fake/> --><p:x a=">" b=\'&amp;&#65;\'/><y><![CDATA[</y>]]></y></r>';
    const els = scanElements(text);
    expect(els.map((e) => [e.qname, e.namespace, e.parent])).to.deep.equal([
      ['r', 'urn:a', -1],
      ['p:x', 'urn:b', 0],
      ['y', 'urn:a', 0],
    ]);
    const x = els[1]!;
    expect(text.slice(x.start, x.end)).to.equal('<p:x a=">" b=\'&amp;&#65;\'/>');
    expect(x.selfClosing).to.equal(true);
    expect(x.attributes).to.deep.equal({ a: '>', b: '&A' });
    const y = els[2]!;
    expect(text.slice(y.startTagEnd, y.endTagStart)).to.equal('<![CDATA[</y>]]>');
    expect(text.slice(els[0]!.endTagStart)).to.equal('</r>');
    expect(scannedChildren(els, 0, 'urn:b', 'x')).to.deep.equal([1]);
    expect(attributeByLocalName({ ...x, attributes: { 'q:ID': 'v', xmlns: 'n' } }, 'ID')).to.equal('v');
  });

  it('refuses malformed text and DTDs with codes', () => {
    const code = (t: string) => {
      try {
        scanElements(t);
        return 'ok';
      } catch (err) {
        return errorCodeOf(err);
      }
    };
    expect(code('<a><b></a>')).to.equal('INTAKE_MALFORMED_XML');
    expect(code('<a>')).to.equal('INTAKE_MALFORMED_XML');
    expect(code('<a/><b/>')).to.equal('INTAKE_MALFORMED_XML');
    expect(code('text<a/>')).to.equal('INTAKE_MALFORMED_XML');
    expect(code('<p:a/>')).to.equal('INTAKE_MALFORMED_XML');
    expect(code('<a x="1" x="2"/>')).to.equal('INTAKE_MALFORMED_XML');
    expect(code('<a><!-- open </a>')).to.equal('INTAKE_MALFORMED_XML');
    expect(code('<!DOCTYPE a><a/>')).to.equal('INTAKE_DTD_FORBIDDEN');
    expect(code('')).to.equal('INTAKE_MALFORMED_XML');
  });
});
