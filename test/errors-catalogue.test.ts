import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { renderErrorCatalogue } from '../src/error-docs.js';
import { ERROR_CATALOGUE } from '../src/errors.js';
import { fromRoot } from './helpers.js';

test('docs/errors.md is the rendered catalogue (run `npm run docs:errors` after changing codes)', () => {
  assert.equal(readFileSync(fromRoot('docs/errors.md'), 'utf8'), renderErrorCatalogue());
});

test('every code used in the sources is in the catalogue, and every catalogue code is used', () => {
  const used = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('errors.ts') && !p.endsWith('error-docs.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/['"]([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)+)['"]/g)) used.add(m[1]!);
      }
    }
  };
  walk(fromRoot('src'));
  const codes = new Set(Object.keys(ERROR_CATALOGUE));
  const looksLikeCode = [...used].filter((u) => /^(CLI|CONFIG|PIPELINE|SOURCE|MAPPING|CONSENT|KEY|LOOKUP|PROFILE|TEST)_/.test(u));
  assert.deepEqual(looksLikeCode.filter((u) => !codes.has(u)), [], 'codes used but not catalogued');
  assert.deepEqual([...codes].filter((c) => !used.has(c) && c !== 'INTERNAL'), [], 'catalogued codes never used');
});
