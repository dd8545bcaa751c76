import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRelayConfig } from '../src/config/relayConfig';
import { toOpenApiDocument } from '../src/openapi/toOpenApiDocument';
import { appVersion } from '../src/runtime/appVersion';

/** Regenerates openapi.json for the shipped pbi-relay.config.json (a test checks it is up to date). */
const root = join(__dirname, '..', '..');
const target = join(root, 'openapi.json');
const document = toOpenApiDocument(loadRelayConfig(join(root, 'pbi-relay.config.json')), appVersion());
writeFileSync(target, `${JSON.stringify(document, null, 2)}\n`);
console.log(`wrote ${target}`);
