// A small HTTP client for the gateway's tenant API (POST /v1/documents, GET /v1/documents/:id, the
// registry-rights read and the usage-log export): what the demo, the tests and scripts use instead of
// hand-written fetches. A client identifier always goes in a JSON body, never in a URL.
// It returns the gateway's answer as it came (status and JSON body); refusals are answers, not throws.

export interface SubmitAnswer {
  /** HTTP status: 202 accepted, 200 already accepted with the same content, 4xx/5xx with `body.error`. */
  status: number;
  body: Record<string, unknown>;
}

/** Submits one CDA document as the tenant the token belongs to; `operation` is archive (default), version or void. */
export async function submit(gatewayUrl: string, token: string, xml: string, operation?: string): Promise<SubmitAnswer> {
  const res = await fetch(`${gatewayUrl}/v1/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/xml', ...(operation ? { 'kanta-operation': operation } : {}) },
    body: xml,
  });
  return { status: res.status, body: await jsonBody(res, 'POST /v1/documents') };
}

/** The gateway's status record of one document (status, attempts, code, acceptedAt, updatedAt …). */
export async function statusOf(gatewayUrl: string, token: string, documentId: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${gatewayUrl}/v1/documents/${encodeURIComponent(documentId)}`, { headers: { authorization: `Bearer ${token}` } });
  return jsonBody(res, 'GET /v1/documents/:id');
}

export type ClientRef = { root?: string; extension: string };

/** POST /v1/registry-rights/search: the rights of one client visible to the token's tenant. */
export async function searchRegistryRights(gatewayUrl: string, token: string, query: { client: ClientRef; organizer?: string; history?: boolean }): Promise<SubmitAnswer> {
  const res = await fetch(`${gatewayUrl}/v1/registry-rights/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(query),
  });
  return { status: res.status, body: await jsonBody(res, 'POST /v1/registry-rights/search') };
}

export interface AuditExport {
  status: number;
  /** The NDJSON text on 200; the error body's text otherwise. */
  text: string;
  /** Audit-Chain-Head: `<seq> sha256:<hex>`. */
  head: string | null;
}

/** An organisation's usage log: GET without a client, POST …/search with one (the hetu stays out of the URL). */
export async function exportAudit(gatewayUrl: string, token: string, organisation: string, filter: { from?: string; to?: string; client?: ClientRef } = {}): Promise<AuditExport> {
  const base = `${gatewayUrl}/v1/audit/${encodeURIComponent(organisation)}`;
  const res = filter.client
    ? await fetch(`${base}/search`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(filter) })
    : await fetch(`${base}?${new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'))}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text(), head: res.headers.get('audit-chain-head') };
}

// The gateway answers JSON on every route; anything else is a proxy or a wrong URL, and the caller
// should learn which request met it rather than see a bare SyntaxError.
async function jsonBody(res: Response, what: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${what} answered HTTP ${res.status} with a body that is not JSON (is ${res.url ? new URL(res.url).origin : 'the URL'} a kanta-gateway?)`);
  }
}

export interface SubmitBodyOptions {
  /** application/xml for a CDA document, application/json for a JSON submission. */
  contentType: string;
  /** Kanta-Operation: archive, version or void; absent: the gateway derives it from versionNumber. */
  operation?: string;
  signal?: AbortSignal;
}

/** Submits one body as it is (CDA XML or a JSON submission); the answer as it came, like submit. */
export async function submitBody(gatewayUrl: string, token: string, body: string | Buffer, opts: SubmitBodyOptions): Promise<SubmitAnswer> {
  const res = await fetch(`${gatewayUrl}/v1/documents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': opts.contentType, ...(opts.operation ? { 'kanta-operation': opts.operation } : {}) },
    body: typeof body === 'string' ? body : new Uint8Array(body) as Uint8Array<ArrayBuffer>,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  return { status: res.status, body: await jsonBody(res, 'POST /v1/documents') };
}
