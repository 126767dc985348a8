import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveConfig } from '../../src/config/project-config.js';
import { loadPipeline } from '../../src/pipeline/load-pipeline.js';
import { runCli } from '../cli-harness.js';
import { SIMPLE_PIPELINE, simpleProject, writeFiles } from '../fixtures.js';
import { tempDir } from '../helpers.js';
import { startHarness } from '../runner/run-harness.js';
import { persons, startApi } from './http-server.js';

function httpPipeline(source: string): string {
  return SIMPLE_PIPELINE.replace(/source:\n(?: {2}.*\n)+/, `source:\n${source.replace(/^/gm, '  ')}\n`);
}

test('validate: missing variables, bad and credential-bearing URLs, broken expressions are located errors', async () => {
  const t = tempDir();
  try {
    simpleProject(t.dir, {
      // Line 4: type, 5: url, 6: records, 7: key, 8: auth/pagination ...
      'a.pipeline.yaml': httpPipeline('type: http\nurl: ${CV_URL}/persons\nrecords: items\nkey: email\nauth: { type: bearer, tokenEnv: CV_TOKEN }\nheaders: { X-Tenant: "${CV_TENANT:-t1}" }'),
      'b.pipeline.yaml': httpPipeline('type: http\nurl: ftp://cv.example/persons\nrecords: "items[0"\nkey: email\npagination: { type: cursor }'),
      'c.pipeline.yaml': httpPipeline('type: http\nurl: https://user:hunter2@cv.example/persons\nrecords: items\nkey: email\nheaders: { Authorization: "Bearer abc" }\npagination: { type: page, next: cursor }'),
      'd.pipeline.yaml': httpPipeline('type: http\nurl: "not a url"\nrecords: items\nkey: email'),
    });
    const config = resolveConfig({}, t.dir);
    const load = async (f: string, env: Record<string, string> = {}) => (await loadPipeline(f, { config, cwd: t.dir, env })).issues.map((i) => `${i.line}:${i.column} ${i.severity} ${i.code}`);
    assert.deepEqual(await load('a.pipeline.yaml'), ['5:8 error SOURCE_ENV_MISSING', '8:35 error SOURCE_ENV_MISSING']);
    assert.deepEqual(await load('a.pipeline.yaml', { CV_URL: 'https://cv.example', CV_TOKEN: 't' }), []);
    assert.deepEqual(await load('b.pipeline.yaml'), ['5:8 error SOURCE_URL_INVALID', '6:20 error SOURCE_EXPRESSION_SYNTAX', '8:15 error PIPELINE_MISSING_KEY']);
    const c = (await loadPipeline('c.pipeline.yaml', { config, cwd: t.dir, env: {} })).issues;
    assert.deepEqual(c.map((i) => `${i.line} ${i.severity} ${i.code}`), ['5 error SOURCE_SECRET_IN_PIPELINE', '8 error SOURCE_SECRET_IN_PIPELINE', '9 warning PIPELINE_BAD_VALUE']);
    assert.ok(c.every((i) => !i.message.includes('hunter2') && !i.message.includes('abc')));
    assert.deepEqual(await load('d.pipeline.yaml'), ['5:8 error SOURCE_URL_INVALID']);
  } finally {
    t.cleanup();
  }
});

test('tmt-import validate --check-connections reaches the API (HEAD, no records) and the token endpoint; failures are coded', async () => {
  const api = await startApi({ data: persons(3), style: 'page', bearer: 'api-token' });
  const h = await startHarness();
  try {
    writeFiles(h.dir, { 'live.pipeline.yaml': httpPipeline('type: http\nurl: ${CV_URL}/persons\nrecords: items\nkey: email\nauth: { type: bearer, tokenEnv: CV_TOKEN }\npagination: { type: page, sizeParam: size, size: 50 }') });
    const env = { ...h.env, CV_URL: api.url, CV_TOKEN: 'api-token' };
    const ok = await runCli(['validate', 'live.pipeline.yaml', '--check-connections', '--json'], { cwd: h.dir, env });
    assert.equal(ok.code, 0, ok.stdout);
    const doc = JSON.parse(ok.stdout) as { files: Array<{ connections: Array<{ what: string; ok: boolean; message: string }> }> };
    assert.deepEqual(doc.files[0]!.connections.map((c) => [c.what, c.ok]), [['source', true], ['token endpoint', true]]);
    assert.equal(api.requests.length, 1);
    assert.equal(api.requests[0]!.method, 'HEAD', 'no records are read');
    assert.match(api.requests[0]!.url, /size=1/);

    const text = await runCli(['validate', 'live.pipeline.yaml', '--check-connections'], { cwd: h.dir, env });
    assert.match(text.stdout, /reached source: HEAD http:\/\/127\.0\.0\.1:\d+\/persons → 200/);
    assert.match(text.stdout, /reached token endpoint: POST .*\/v1\/request-token → 400 invalid_grant/);

    const refused = await runCli(['validate', 'live.pipeline.yaml', '--check-connections'], { cwd: h.dir, env: { ...env, CV_TOKEN: 'wrong', TMT_SANDBOX_CLIENT_SECRET: 'wrong' } });
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /SOURCE_AUTH_REFUSED/);
    assert.match(refused.stdout, /TARGET_UNAUTHORIZED/);
    assert.doesNotMatch(refused.stdout + refused.stderr, /wrong|api-token|at .*\.js:\d+/);

    await api.close();
    const down = await runCli(['validate', 'live.pipeline.yaml', '--check-connections'], { cwd: h.dir, env });
    assert.equal(down.code, 1);
    assert.match(down.stdout, /SOURCE_UNREACHABLE .*HEAD http:\/\/127\.0\.0\.1:\d+\/persons: network error ECONNREFUSED/);

    // Without the flag, validate never touches the network.
    const plain = await runCli(['validate', 'live.pipeline.yaml'], { cwd: h.dir, env });
    assert.equal(plain.code, 0, plain.stdout);
    const missing = await runCli(['validate', 'live.pipeline.yaml'], { cwd: h.dir, env: h.env });
    assert.equal(missing.code, 1);
    assert.match(missing.stdout, /live\.pipeline\.yaml:5:8 +error SOURCE_ENV_MISSING +source\.url reads the environment variable CV_URL/);
  } finally {
    await api.close();
    await h.close();
  }
});
