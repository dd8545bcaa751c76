import { readFileSync, realpathSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import globby from 'globby';
import type { LocalWorker } from './localWorker';

const coreModuleId = '@azure/functions-core';

/** The worker whose app is loading; `@azure/functions` asks for the core module during that time only. */
let loadingWorker: LocalWorker | undefined;
let installed = false;
let queue: Promise<unknown> = Promise.resolve();

/**
 * Wraps `Module.prototype.require` so that `require('@azure/functions-core')` returns the loading
 * worker's core API, as the Node worker's `setupCoreModule.ts` does. Outside a load the module is
 * "not found", which puts a stray copy of @azure/functions into its test mode instead of binding it
 * to the wrong app.
 */
function installCoreModule(): void {
    if (installed) {
        return;
    }
    installed = true;
    Module.prototype.require = new Proxy(Module.prototype.require, {
        apply(target, thisArg, args: unknown[]) {
            if (args[0] === coreModuleId) {
                if (loadingWorker) {
                    return loadingWorker.coreApi;
                }
                const error = new Error(`Cannot find module '${coreModuleId}'`) as NodeJS.ErrnoException;
                error.code = 'MODULE_NOT_FOUND';
                throw error;
            }
            return Reflect.apply(target, thisArg, args) as unknown;
        },
    });
}

export interface LoadedApp {
    /** Entry files loaded, relative to the app root. */
    entryFiles: string[];
}

/**
 * Loads a function app's entry files (package.json `main`, a glob) into `worker`, the way the Node
 * worker's `startApp.ts` does. Loads are serialised because the core module can only point at one
 * worker at a time. The app's own files and its copy of @azure/functions are dropped from the
 * require cache first, so each host in a process gets a fresh library bound to its own worker.
 */
export function loadApp(worker: LocalWorker, appRoot: string): Promise<LoadedApp> {
    const run = queue.then(() => loadAppNow(worker, resolve(appRoot)));
    queue = run.catch(() => undefined);
    return run;
}

async function loadAppNow(worker: LocalWorker, appRoot: string): Promise<LoadedApp> {
    installCoreModule();
    const packageJson = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as {
        main?: string;
        type?: string;
    };
    const mainPattern = packageJson.main ?? 'index.js';
    // The worker's own call (azure-functions-nodejs-worker src/startApp.ts), in its order.
    const entryFiles = await globby(mainPattern, { cwd: appRoot });
    if (entryFiles.length === 0) {
        throw new Error(`Found zero files matching the package.json "main" glob "${mainPattern}" in ${appRoot}.`);
    }
    const appRequire = createRequire(join(appRoot, 'package.json'));
    clearAppFromRequireCache(appRequire.cache, realpathSync(appRoot));
    loadingWorker = worker;
    try {
        for (const file of entryFiles) {
            const fullPath = join(appRoot, file);
            if (file.endsWith('.mjs') || (packageJson.type === 'module' && file.endsWith('.js'))) {
                // ESM cannot be unloaded; a second load of the same ESM app in one process registers nothing.
                await import(pathToFileURL(fullPath).href);
            } else {
                appRequire(fullPath);
            }
        }
    } finally {
        loadingWorker = undefined;
    }
    return { entryFiles };
}

function clearAppFromRequireCache(cache: NodeJS.Require['cache'], appRoot: string): void {
    const appPrefix = appRoot + sep;
    const nodeModules = `${sep}node_modules${sep}`;
    const functionsLibrary = `${nodeModules}@azure${sep}functions${sep}`;
    for (const key of Object.keys(cache)) {
        const isAppFile = key.startsWith(appPrefix) && !key.slice(appPrefix.length).includes(nodeModules);
        if (isAppFile || key.includes(functionsLibrary)) {
            delete cache[key];
        }
    }
}
