import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPLOYMENTS, getProfile, KEY, LANGUAGES, permit, problem, putProfile, sandbox } from './sandbox-fixtures.js';

test('PUT /v1/profile: 204 with rate-limit headers; each section sent replaces the stored one, others stay', async (t) => {
  const sb = await sandbox(t);
  const first = await putProfile(sb, await permit(sb, 'person-a'), { ...LANGUAGES, ...EMPLOYMENTS });
  assert.equal(first.status, 204);
  assert.equal(await first.text(), '');
  assert.equal(first.headers.get('ratelimit-limit'), '1000');
  assert.equal(first.headers.get('ratelimit-remaining'), '999');
  assert.match(first.headers.get('ratelimit-reset') ?? '', /^\d+$/);
  assert.deepEqual(sb.profile('person-a'), { ...LANGUAGES, ...EMPLOYMENTS });

  const onlyLanguages = { languageSkills: [{ code: 'sv', level: 'A2' }] };
  const second = await putProfile(sb, await permit(sb, 'person-a'), onlyLanguages);
  assert.equal(second.status, 204);
  assert.equal(second.headers.get('ratelimit-remaining'), '998');
  assert.deepEqual(sb.profile('person-a'), { ...onlyLanguages, ...EMPLOYMENTS });
  assert.equal(sb.profile('person-b'), undefined);

  const log = sb.imports();
  assert.equal(log.length, 2);
  assert.deepEqual(log.map((r) => [r.personId, r.clientId, r.status, r.sections]), [
    ['person-a', 'tmt-import-sandbox', 204, ['languageSkills', 'employments']],
    ['person-a', 'tmt-import-sandbox', 204, ['languageSkills']],
  ]);
  assert.ok(log.every((r) => r.jti && r.id && !Number.isNaN(Date.parse(r.at))));
  assert.ok(!JSON.stringify(log).includes('eyJ'), 'no token in the log');
});

test('a token is spent by its first PUT: a second PUT is 403, also after a 400', async (t) => {
  const sb = await sandbox(t);
  const token = await permit(sb);
  assert.equal((await putProfile(sb, token, LANGUAGES)).status, 204);
  const again = await problem(await putProfile(sb, token, LANGUAGES), 403);
  assert.match(again.detail, /already used/);

  const token2 = await permit(sb);
  const bad = await problem(await putProfile(sb, token2, { languageSkills: [] }), 400);
  assert.equal(bad.issues?.[0]?.code, 'PROFILE_EMPTY_ARRAY');
  const retry = await putProfile(sb, token2, LANGUAGES);
  await problem(retry, 403);
  assert.match(retry.headers.get('ratelimit-limit') ?? '', /^\d+$/);
  assert.deepEqual(sb.imports().map((r) => r.status), [204, 403, 400, 403]);
});

test('an expired, forged, wrongly scoped or missing token is 401 with a Bearer invalid_token challenge', async (t) => {
  let clock = Date.now();
  const sb = await sandbox(t, { now: () => clock, tokenTtlSeconds: 60 });
  const expiring = await permit(sb);
  clock += 60_000;
  const readToken = await permit(sb, 'person-a', 'read');
  const valid = await permit(sb);
  const [h, p, s] = valid.split('.') as [string, string, string];
  const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString('utf8')), sub: 'victim' })).toString('base64url')}.${s}`;
  const cases: Array<[string, string | undefined, RegExp]> = [
    ['expired', expiring, /expired/],
    ['read scope', readToken, /scope/],
    ['forged', forged, /signature/],
    ['missing', undefined, /required/],
    ['not a JWT', 'abc', /not a compact JWT/],
  ];
  for (const [name, token, detail] of cases) {
    const r = await putProfile(sb, token, LANGUAGES);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer realm="[^"]+", error="invalid_token"/, name);
    const body = await problem(r, 401);
    assert.match(body.detail, detail, name);
  }
  const basicAuth = await putProfile(sb, undefined, LANGUAGES, { Authorization: 'Basic abc' });
  await problem(basicAuth, 401);
  assert.equal(sb.profile('person-a'), undefined);
  assert.equal(sb.profile('victim'), undefined);
  assert.equal((await putProfile(sb, valid, LANGUAGES)).status, 204, 'the genuine token still works');
});

test('a missing or wrong subscription key is 401 problem+json and does not spend the token', async (t) => {
  const sb = await sandbox(t);
  const token = await permit(sb);
  for (const key of ['', 'wrong']) {
    const r = await putProfile(sb, token, LANGUAGES, { 'KIPA-Subscription-Key': key });
    const body = await problem(r, 401);
    assert.match(body.detail, /subscription key/);
    assert.equal(r.headers.get('ratelimit-limit'), null);
  }
  assert.equal((await putProfile(sb, token, LANGUAGES)).status, 204);
});

test('400 problem+json lists every issue with code, pointer and message', async (t) => {
  const sb = await sandbox(t);
  const cases: Array<[string, unknown, string, string]> = [
    ['unknown section', { hobbies: ['chess'] }, 'PROFILE_UNKNOWN_FIELD', '/hobbies'],
    ['wrong type', { employments: [{ title: 'Developer' }] }, 'PROFILE_SCHEMA', '/employments/0/title'],
    ['wrong type (boolean)', { drivingLicenses: { licenseClasses: ['B'], ownCarAvailable: 'yes' } }, 'PROFILE_SCHEMA', '/drivingLicenses/ownCarAvailable'],
    ['bad date', { employments: [{ title: { fi: 'x' }, interval: { startDate: '2020-02-30' } }] }, 'PROFILE_DATE_INVALID', '/employments/0/interval/startDate'],
    ['bad date shape', { projects: [{ title: { fi: 'x' }, interval: { startDate: '1.2.2020' } }] }, 'PROFILE_DATE_INVALID', '/projects/0/interval/startDate'],
    ['21 items', { employments: Array.from({ length: 21 }, () => ({ title: { fi: 't' } })) }, 'PROFILE_TOO_MANY', '/employments'],
    ['empty array', { employments: [] }, 'PROFILE_EMPTY_ARRAY', '/employments'],
    ['empty nested array', { generalInfo: { preferredRegions: [] } }, 'PROFILE_EMPTY_ARRAY', '/generalInfo/preferredRegions'],
    ['empty object', {}, 'PROFILE_EMPTY', ''],
    ['array body', [LANGUAGES], 'PROFILE_SCHEMA', ''],
    ['null body', null, 'PROFILE_SCHEMA', ''],
    ['non-JSON body', '{"languageSkills": [', 'PROFILE_SCHEMA', ''],
  ];
  for (const [name, body, code, pointer] of cases) {
    const r = await putProfile(sb, await permit(sb), body);
    const p = await problem(r, 400);
    assert.ok(p.type.endsWith('/invalid-profile'), name);
    assert.ok(Array.isArray(p.issues) && p.issues.length > 0, name);
    assert.ok(
      p.issues.some((i) => i.code === code && i.pointer === pointer && typeof i.message === 'string' && i.message.length > 0),
      `${name}: ${JSON.stringify(p.issues)}`,
    );
    assert.match(r.headers.get('ratelimit-remaining') ?? '', /^\d+$/, name);
  }
  const many = await problem(await putProfile(sb, await permit(sb), { hobbies: 1, employments: [], languageSkills: [{ code: 'fi', level: 'C2', extra: 1 }] }), 400);
  assert.deepEqual(new Set(many.issues?.map((i) => i.pointer)), new Set(['/hobbies', '/employments', '/languageSkills/0/extra']));
  assert.equal(sb.profile('person-a'), undefined, 'nothing applied');
  const rejected = sb.imports().filter((r) => r.status === 400);
  assert.equal(rejected.length, cases.length + 1);
  assert.ok(rejected.every((r) => Array.isArray(r.problems) && r.problems.length > 0));
});

test('a body that is not application/json is 415; over 1 MB is 413; both spend the token', async (t) => {
  const sb = await sandbox(t);
  const token = await permit(sb);
  const r = await putProfile(sb, token, JSON.stringify(LANGUAGES), { 'Content-Type': 'text/plain' });
  await problem(r, 415);
  await problem(await putProfile(sb, token, LANGUAGES), 403);
  await problem(await putProfile(sb, await permit(sb), JSON.stringify(LANGUAGES), { 'Content-Encoding': 'gzip' }), 415);
  const withCharset = await putProfile(sb, await permit(sb), LANGUAGES, { 'Content-Type': 'application/json; charset=utf-8' });
  assert.equal(withCharset.status, 204);

  const big = { employments: [{ title: { fi: 'x' }, description: { description: { fi: 'y'.repeat(1024 * 1024) } } }] };
  const token2 = await permit(sb);
  const tooBig = await putProfile(sb, token2, big);
  await problem(tooBig, 413);
  assert.equal(sb.imports().at(-1)?.status, 413);
});

test('over the rate limit: 429 problem+json with Retry-After and RateLimit headers; the token stays usable', async (t) => {
  let clock = Date.now();
  const sb = await sandbox(t, { now: () => clock, rateLimit: { limit: 2, windowSeconds: 10 } });
  const t1 = await permit(sb);
  const t2 = await permit(sb);
  const t3 = await permit(sb);
  assert.equal((await putProfile(sb, t1, LANGUAGES)).headers.get('ratelimit-remaining'), '1');
  assert.equal((await putProfile(sb, t2, LANGUAGES)).headers.get('ratelimit-remaining'), '0');
  clock += 4_000;
  const limited = await putProfile(sb, t3, LANGUAGES);
  assert.equal(limited.headers.get('retry-after'), '6');
  assert.equal(limited.headers.get('ratelimit-limit'), '2');
  assert.equal(limited.headers.get('ratelimit-remaining'), '0');
  assert.equal(limited.headers.get('ratelimit-reset'), '6');
  await problem(limited, 429);
  // Another key has its own window.
  const other = await sandbox(t, { subscriptionKeys: [KEY, 'second-key'], rateLimit: { limit: 1, windowSeconds: 60 } });
  assert.equal((await putProfile(other, await permit(other), LANGUAGES)).status, 204);
  assert.equal((await putProfile(other, await permit(other), LANGUAGES, { 'KIPA-Subscription-Key': 'second-key' })).status, 204);
  clock += 6_000;
  assert.equal((await putProfile(sb, t3, LANGUAGES)).status, 204, 'a new window; the 429 did not spend the token');
});

test('GET /v1/profile with a read token returns what the sandbox holds; not spent by reading; 404 when nothing', async (t) => {
  let clock = Date.now();
  const sb = await sandbox(t, { now: () => clock, tokenTtlSeconds: 60 });
  const read = await permit(sb, 'person-r', 'read');
  await problem(await getProfile(sb, read), 404);
  assert.equal((await putProfile(sb, await permit(sb, 'person-r'), { ...LANGUAGES, ...EMPLOYMENTS })).status, 204);
  for (let i = 0; i < 2; i++) {
    const r = await getProfile(sb, read);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('ratelimit-limit') ?? '', /^\d+$/);
    assert.deepEqual(await r.json(), { ...LANGUAGES, ...EMPLOYMENTS });
  }
  const importToken = await permit(sb, 'person-r');
  const wrongScope = await getProfile(sb, importToken);
  assert.match(wrongScope.headers.get('www-authenticate') ?? '', /invalid_token/);
  await problem(wrongScope, 401);
  await problem(await getProfile(sb, read, { 'KIPA-Subscription-Key': 'nope' }), 401);
  clock += 60_000;
  await problem(await getProfile(sb, read), 401);
});
