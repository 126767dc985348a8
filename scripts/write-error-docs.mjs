// Regenerates docs/errors.md from the error catalogue (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { renderErrorCatalogue } from '../dist/src/error-docs.js';

writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorCatalogue());
console.log('docs/errors.md written');
