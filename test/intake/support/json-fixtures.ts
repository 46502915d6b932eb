// JSON submissions for the intake tests: the published examples, adjustable per test.
import { CLIENT_PLAN_EXAMPLE, type JsonDocumentSubmission, type JsonDocumentSubmissionInput, JsonDocumentSubmissionSchema } from '../../../adapters/intake/json-document-schema.ts';

export function planSubmission(over: Partial<JsonDocumentSubmissionInput> = {}): JsonDocumentSubmissionInput {
  return structuredClone({ ...CLIENT_PLAN_EXAMPLE, ...over }) as JsonDocumentSubmissionInput;
}

/** The parsed (defaults applied) form the builder takes. */
export function parsed(input: JsonDocumentSubmissionInput): JsonDocumentSubmission {
  return JsonDocumentSubmissionSchema.parse(input);
}
