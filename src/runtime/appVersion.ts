import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../config/appRoot';

/** The `version` of the app's package.json (the OpenAPI document's info.version). */
export function appVersion(): string {
    const packageJson = JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version?: string };
    return packageJson.version ?? '0.0.0';
}
