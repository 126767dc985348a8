/** Helper bindings over the lookup tables in test/mapping/fixtures/, as a pipeline would declare them. */
import { createHelperBindings } from '../../src/mapping/helpers.js';
import { loadLookupTables } from '../../src/mapping/lookups.js';
import { fromRoot } from '../helpers.js';

export const FIXTURES = fromRoot('test/mapping/fixtures');

export function fixtureBindings(): Record<string, unknown> {
  const dir = FIXTURES;
  return createHelperBindings({
    language: 'en',
    lookups: loadLookupTables({
      languages: `${dir}/languages.csv`,
      cefr: `${dir}/cefr.yaml`,
      esco: `${dir}/esco.csv`,
      cards: `${dir}/cards.csv`,
    }),
  });
}
