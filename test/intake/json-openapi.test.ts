// The JSON submission schema renders as OpenAPI 3.1 with its descriptions and the three examples, and
// each example is a submission the gateway accepts.
import { expect } from 'chai';
import { createDocument } from 'zod-openapi';
import { JSON_DOCUMENT_EXAMPLES, JsonDocumentSubmissionSchema } from '../../adapters/intake/json-document-schema.ts';
import { validateJsonSubmission } from '../../adapters/intake/json-document.ts';

describe('JSON submission in the OpenAPI description', () => {
  it('renders as a component with descriptions, an example and the three named examples', () => {
    const doc = createDocument({
      openapi: '3.1.0',
      info: { title: 'kanta-gateway', version: '1' },
      paths: { '/v1/documents': { post: { requestBody: { content: { 'application/json': { schema: JsonDocumentSubmissionSchema, examples: JSON_DOCUMENT_EXAMPLES } } }, responses: { '202': { description: 'accepted' } } } } },
    });
    const schema = (doc.components?.schemas as Record<string, any>).JsonDocumentSubmission;
    expect(schema.description).to.contain('CDA R2');
    expect(schema.properties.client.properties.hetu.description).to.contain('Never logged');
    expect(schema.required).to.include.members(['documentGroup', 'specificDocumentType', 'client', 'organizer', 'serviceUnit', 'serviceTask', 'effectiveTime', 'author', 'body']);
    expect(schema.examples).to.have.length(3);
    const examples = (doc.paths as any)['/v1/documents'].post.requestBody.content['application/json'].examples;
    expect(Object.keys(examples)).to.deep.equal(['clientRelationship', 'clientPlan', 'clientPlanVersion']);
  });

  it('publishes only examples the gateway accepts', () => {
    for (const [name, e] of Object.entries(JSON_DOCUMENT_EXAMPLES)) expect(() => validateJsonSubmission(structuredClone(e.value), 'version' in e.value ? 'version' : undefined), name).to.not.throw();
  });
});
