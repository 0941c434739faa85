/**
 * A loopback stand-in for an Amazon Managed Service for Prometheus workspace: it checks each request's
 * SigV4 signature (service `aps`) as the emulator checks its own, with the secret it knows for the key,
 * and forwards `/workspaces/<id>/api/v1/query_range` to a real Prometheus. A bad signature is answered
 * 403 `InvalidSignatureException`, as the service answers it, and never reaches Prometheus.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { readBody } from '../../common/testing/http';
import { Sha256 } from '../sha256';

export interface ApsProxy {
  /** The workspace URL the config names (`<endpoint>/workspaces/<id>`). */
  workspaceUrl: string;
  /** Secret per access key id; a test changes one to make the signature wrong. */
  secrets: Map<string, string>;
  /** Requests forwarded (signature valid) and refused (signature invalid or missing). */
  forwarded: number;
  refused: number;
  /** The SigV4 service and region of every request seen. */
  scopes: string[];
  /** The PromQL of every request forwarded, in order. */
  queries: string[];
  /** Per forwarded request, in the same order: how many were being answered when it came, itself included. */
  inFlight: number[];
  /** Milliseconds each answer is held before it is forwarded (0 by default): requests then overlap. */
  delayMs: number;
  /** Cuts the answer to the forwarded request `after` requests from now off half-way (the connection dropped). */
  cutAnswer(after: number): void;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 in front of `prometheusUrl`, for workspace `workspaceId`. */
export async function startApsProxy(prometheusUrl: string, workspaceId: string, secrets: Record<string, string>): Promise<ApsProxy> {
  const state = { forwarded: 0, refused: 0, answering: 0, delayMs: 0, cut: null as { after: number } | null };
  const inFlight: number[] = [];
  const known = new Map(Object.entries(secrets));
  const scopes: string[] = [];
  const queries: string[] = [];
  const prefix = `/workspaces/${workspaceId}`;

  async function signatureValid(headers: Record<string, string | string[] | undefined>, method: string, rawUrl: string, body: string): Promise<boolean> {
    const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(String(headers['authorization'] ?? ''));
    if (!m) return false;
    const [, accessKey = '', region = '', service = '', signed = '', signature = ''] = m;
    scopes.push(`${service}/${region}`);
    const secret = known.get(accessKey);
    if (service !== 'aps' || secret === undefined) return false;
    const signedHeaders: Record<string, string> = {};
    for (const h of signed.split(';')) signedHeaders[h] = String(headers[h] ?? '');
    const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(signedHeaders['x-amz-date'] ?? '');
    if (!d) return false;
    const url = new URL(rawUrl, 'http://proxy');
    const token = signedHeaders['x-amz-security-token'];
    const signer = new SignatureV4({ credentials: { accessKeyId: accessKey, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) }, region, service, sha256: Sha256 });
    const out = await signer.sign(
      { method, protocol: 'http:', hostname: url.hostname, path: url.pathname, query: Object.fromEntries(url.searchParams), headers: signedHeaders, body },
      { signingDate: new Date(`${d[1]}-${d[2]}-${d[3]}T${d[4]}:${d[5]}:${d[6]}Z`) },
    );
    return /Signature=([0-9a-f]{64})/.exec(String(out.headers['authorization'] ?? ''))?.[1] === signature;
  }

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      if (!(await signatureValid(req.headers, req.method ?? 'GET', req.url ?? '/', body))) {
        state.refused++;
        res.writeHead(403, { 'content-type': 'application/json', 'x-amzn-errortype': 'InvalidSignatureException' });
        res.end(JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }));
        return;
      }
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (!path.startsWith(`${prefix}/api/v1/`)) {
        res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-errortype': 'ResourceNotFoundException' });
        res.end(JSON.stringify({ message: 'Workspace not found' }));
        return;
      }
      state.forwarded++;
      queries.push(new URLSearchParams(body).get('query') ?? '');
      inFlight.push(++state.answering);
      try {
        const upstream = await fetch(`${prometheusUrl}${path.slice(prefix.length)}`, { method: req.method ?? 'POST', headers: { 'content-type': String(req.headers['content-type'] ?? 'application/x-www-form-urlencoded') }, body: req.method === 'GET' ? undefined : body });
        const text = await upstream.text();
        if (state.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
        const cut = state.cut;
        if (cut !== null && cut.after-- === 0) {
          state.cut = null;
          // Half an answer, then the connection drops: what a workspace behind a failing proxy sends.
          res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json', 'content-length': String(Buffer.byteLength(text)) });
          res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
          return;
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      } finally {
        state.answering--;
      }
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    workspaceUrl: `${url}${prefix}`,
    secrets: known,
    get forwarded() {
      return state.forwarded;
    },
    get refused() {
      return state.refused;
    },
    scopes,
    queries,
    inFlight,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    cutAnswer: (after) => {
      state.cut = { after };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
