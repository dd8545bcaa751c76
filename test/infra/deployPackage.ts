import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { z } from 'zod';

/**
 * azd's packaging of a function app, reproduced offline (azure-dev cli/azd/pkg/project/project_utils.go,
 * createDeployableZip): every file of the service folder except what `.funcignore` names (gitignore
 * rules; azd uses go-gitignore, here the `ignore` package, which implements the same rules), the
 * `.funcignore` file itself, `local.settings.json` and the `.azure` folder. azd zips the folder as it is
 * on disk; here "the folder" is what git knows of it (tracked files plus untracked files that
 * .gitignore does not hide), so the result does not depend on what a developer built or installed.
 */
export function deployPackageFiles(root: string): string[] {
    const rules = funcIgnore(root);
    const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
        cwd: root,
        encoding: 'utf8',
    })
        .split('\0')
        .filter((file) => file !== '');
    return [...new Set(listed)].filter((file) => existsSync(path.join(root, file)) && isPackaged(rules, file)).sort();
}

export function funcIgnore(root: string): Ignore {
    const file = path.join(root, '.funcignore');
    // azd strips a UTF-8 BOM before parsing (stripUTF8BOM); `ignore` would read it as part of the first rule.
    const rules = existsSync(file) ? readFileSync(file, 'utf8').replace(/^\uFEFF/, '') : '';
    return ignore().add(rules);
}

/** Whether azd puts `file` (a path relative to the service folder, `/`-separated) into the package. */
export function isPackaged(rules: Ignore, file: string): boolean {
    const segments = file.split('/');
    const name = segments[segments.length - 1];
    if (name === '.funcignore' || name === 'local.settings.json') return false;
    if (segments.slice(0, -1).includes('.azure')) return false;
    // azd walks the tree and does not descend into an excluded folder, so a file is out when any of its
    // folders is; `ignore` answers the same for a file path (it checks the parent folders).
    return !rules.ignores(file);
}

/** Copies the package's files from `root` into `dest` (which must not contain them yet). */
export function stageDeployPackage(root: string, dest: string): string[] {
    const files = deployPackageFiles(root);
    for (const file of files) {
        const target = path.join(dest, file);
        mkdirSync(path.dirname(target), { recursive: true });
        copyFileSync(path.join(root, file), target);
    }
    return files;
}

/**
 * The installed production dependencies (what `npm install --omit=dev` keeps), as the top-level folders
 * under node_modules: package-lock.json marks every package that only devDependencies need with
 * `dev: true`; nested packages live inside their parent's folder.
 */
export function productionPackages(root: string): string[] {
    const lock = lockSchema.parse(JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')));
    return Object.entries(lock.packages)
        .flatMap(([key, entry]) => {
            const match = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
            return match && entry.dev !== true ? [match[1]!] : [];
        })
        .filter((name) => existsSync(path.join(root, 'node_modules', name)))
        .sort();
}

const lockSchema = z.object({
    lockfileVersion: z.number().min(2),
    packages: z.record(z.string(), z.looseObject({ dev: z.boolean().optional() })),
});

/** A node_modules folder in `dest` that links only `packages` from `root`'s node_modules. */
export function linkPackages(root: string, dest: string, packages: string[]): void {
    for (const name of packages) {
        const target = path.join(dest, 'node_modules', name);
        mkdirSync(path.dirname(target), { recursive: true });
        symlinkSync(realpathSync(path.join(root, 'node_modules', name)), target, 'dir');
    }
}
