import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createImportClient } from '../../src/target/import-client.js';
import { parseRetryAfter, retryDelay, isRetryableStatus } from '../../src/target/retry-policy.js';
import { DEFAULT_ENVIRONMENTS } from '../../src/config/project-config.js';

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

async function withServer(handler: Handler, fn: (base: string, calls: () => number, seen: IncomingMessage[]) => Promise<void>): Promise<void> {
  let n = 0;
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    n++;
    seen.push(req);
    req.resume();
    req.on('end', () => handler(req, res, n));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await fn(base, () => n, seen);
  } finally {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const client = (base: string, retries = 3) =>
  createImportClient({
    environmentName: 'sandbox',
    environment: { ...DEFAULT_ENVIRONMENTS.sandbox!, baseUrl: base },
    subscriptionKey: 'sub-key-123',
    retries,
    backoff: { baseMs: 5, maxMs: 20, maxServerWaitMs: 1500 },
    timeoutMs: 2000,
  });

test('204: imported, with rate-limit headers; sends the key, the bearer token and JSON', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(204, { 'RateLimit-Limit': '100', 'RateLimit-Remaining': '99', 'RateLimit-Reset': '1' });
      res.end();
    },
    async (base, calls, seen) => {
      const c = client(base);
      const out = await c.putProfile('tok', '{"employments":[]}');
      c.close();
      assert.equal(out.kind, 'imported');
      assert.deepEqual(out.rateLimit, { limit: 100, remaining: 99, resetSeconds: 1 });
      assert.equal(calls(), 1);
      assert.equal(seen[0]?.method, 'PUT');
      assert.equal(seen[0]?.url, '/v1/profile');
      assert.equal(seen[0]?.headers['kipa-subscription-key'], 'sub-key-123');
      assert.equal(seen[0]?.headers.authorization, 'Bearer tok');
      assert.match(String(seen[0]?.headers['content-type']), /application\/json/);
    },
  );
});

test('400 is never retried and carries the problem details in the message', async () => {
  await withServer(
    (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ title: 'Invalid profile', status: 400, issues: [{ code: 'PROFILE_DATE_INVALID', pointer: '/employments/0/interval/startDate' }] }));
    },
    async (base, calls) => {
      const c = client(base);
      const out = await c.putProfile('tok', '{}');
      c.close();
      assert.equal(out.kind, 'rejected');
      assert.equal(calls(), 1);
      assert.match(out.message, /^PUT http:\/\/127\.0\.0\.1:\d+\/v1\/profile → 400: Invalid profile: issues: \/employments\/0\/interval\/startDate PROFILE_DATE_INVALID/);
    },
  );
});

test('401 and 403 are never retried', async () => {
  for (const status of [401, 403]) {
    await withServer(
      (_req, res) => {
        res.writeHead(status, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: 'refused' }));
      },
      async (base, calls) => {
        const c = client(base);
        const out = await c.putProfile('tok', '{}');
        c.close();
        assert.equal(out.kind, 'unauthorized');
        assert.equal(calls(), 1);
      },
    );
  }
});

test('5xx and 429 are retried, honouring Retry-After', async () => {
  await withServer(
    (_req, res, n) => {
      if (n === 1) res.writeHead(503).end();
      else if (n === 2) res.writeHead(429, { 'Retry-After': '1' }).end();
      else res.writeHead(204).end();
    },
    async (base, calls) => {
      const c = client(base);
      const t0 = performance.now();
      const out = await c.putProfile('tok', '{}');
      c.close();
      assert.equal(out.kind, 'imported');
      assert.equal(out.attempts, 3);
      assert.equal(calls(), 3);
      assert.ok(performance.now() - t0 >= 950, 'waited for Retry-After');
    },
  );
});

test('retries run out: 5xx gives unavailable, 429 gives rate-limited', async () => {
  await withServer(
    (_req, res) => res.writeHead(502).end(),
    async (base, calls) => {
      const c = client(base, 2);
      const out = await c.putProfile('tok', '{}');
      c.close();
      assert.equal(out.kind, 'unavailable');
      assert.equal(calls(), 3);
      assert.match(out.message, /502 after 3 attempts/);
    },
  );
  await withServer(
    (_req, res) => res.writeHead(429, { 'RateLimit-Reset': '0' }).end(),
    async (base) => {
      const c = client(base, 1);
      const out = await c.putProfile('tok', '{}');
      c.close();
      assert.equal(out.kind, 'rate-limited');
    },
  );
});

test('a dropped connection is retried; "spent" after a lost answer is an unknown outcome', async () => {
  await withServer(
    (req, res, n) => {
      if (n === 1) req.socket.destroy();
      else res.writeHead(403, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ title: 'token already used' }));
    },
    async (base) => {
      const c = client(base);
      const out = await c.putProfile('tok', '{}');
      c.close();
      assert.equal(out.kind, 'unknown');
      assert.equal(out.maybeApplied, true);
      assert.equal(out.attempts, 2);
    },
  );
  await withServer(
    (req, res, n) => {
      if (n === 1) req.socket.destroy();
      else res.writeHead(204).end();
    },
    async (base) => {
      const c = client(base);
      const out = await c.putProfile('tok', '{}');
      c.close();
      assert.equal(out.kind, 'imported');
    },
  );
});

test('an unreachable API is unavailable, not unknown (nothing was sent)', async () => {
  const c = client('http://127.0.0.1:9', 1);
  const out = await c.putProfile('tok', '{}');
  c.close();
  assert.equal(out.kind, 'unavailable');
  assert.equal(out.maybeApplied, false);
  assert.doesNotMatch(out.message, /tok|sub-key/);
});

test('retry policy: statuses, Retry-After forms, jittered backoff bounds', () => {
  assert.equal(isRetryableStatus(503), true);
  assert.equal(isRetryableStatus(429), true);
  assert.equal(isRetryableStatus(400), false);
  assert.equal(isRetryableStatus(403), false);
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(new Date(Date.now() + 5000).toUTCString(), Date.now()) !== undefined, true);
  assert.equal(parseRetryAfter('soon'), undefined);
  const o = { baseMs: 100, maxMs: 1000, maxServerWaitMs: 5000 };
  for (let a = 1; a < 8; a++) {
    const d = retryDelay(a, undefined, o, () => 0.999);
    assert.ok(d <= Math.min(1000, 100 * 2 ** (a - 1)));
  }
  assert.equal(retryDelay(1, 60_000, o, () => 0), 5000, 'server waits are capped');
});
