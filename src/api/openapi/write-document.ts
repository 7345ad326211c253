import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../../cli/run-cli';
import { openApiDocument } from './document';

/** `npm run openapi [file]`: writes the OpenAPI document the API serves at /api/openapi.json (default dist/openapi.json). */
runCli(async () => {
  const file = path.resolve(process.argv[2] ?? path.join('dist', 'openapi.json'));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
  console.log(`wrote ${file}`);
});
