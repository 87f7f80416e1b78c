/**
 * `pnpm env:example`: writes .env.example from the config schemas and the README's configuration table.
 * `pnpm env:example --check`: exits 1 when the checked-in file is not what it would write (CI, pre-commit).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { envCatalog, parseConfigTable, renderEnvExample } from '../packages/config/src/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, '.env.example');
let text: string;
try {
  text = renderEnvExample(envCatalog(), parseConfigTable(readFileSync(path.join(root, 'README.md'), 'utf8')));
} catch (err) {
  console.error(`env:example: ${(err as Error).message}`);
  process.exit(1);
}
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing: differs
  }
  if (current !== text) {
    console.error('.env.example is out of date: run `pnpm env:example`');
    process.exit(1);
  }
  console.log('.env.example is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${path.relative(process.cwd(), target) || target}`);
}
