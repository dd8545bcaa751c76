import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder that holds the app's package.json and host.json. The Functions worker does not promise a
 * working directory, so relative paths in settings are resolved against this, found from the code's own location.
 */
export function appRoot(from: string = __dirname): string {
    let folder = from;
    while (!existsSync(join(folder, 'package.json'))) {
        const parent = dirname(folder);
        if (parent === folder) return process.cwd();
        folder = parent;
    }
    return folder;
}
