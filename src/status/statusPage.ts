import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../config/appRoot';

let page: string | undefined;

/**
 * The status page: one HTML document with its CSS and script inline, so `/api/status?code=<key>` needs one
 * request and the script passes the key on to status.json. The three files are plain text in src/status/page
 * (deployed as they are, no build step) and read once per instance.
 */
export function statusPage(): string {
    if (page === undefined) {
        const folder = join(appRoot(__dirname), 'src', 'status', 'page');
        const read = (name: string) => readFileSync(join(folder, name), 'utf8');
        // Function replacers: the CSS and script are inserted as they are, `$` included.
        page = read('status.html')
            .replace('/*STYLE*/', () => read('status.css'))
            .replace('/*SCRIPT*/', () => read('status.js'));
    }
    return page;
}
