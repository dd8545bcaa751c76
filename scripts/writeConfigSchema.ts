import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configJsonSchema } from '../src/config/configJsonSchema';

/** Regenerates pbi-relay.config.schema.json from the zod schema (a test checks it is up to date). */
const target = join(__dirname, '..', '..', 'pbi-relay.config.schema.json');
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
