/* eslint-disable @typescript-eslint/no-require-imports, no-undef -- plain CommonJS, loaded with `node -r` */
// Lets a child `node -r` run the emulator's TypeScript sources directly (transpile only, no type check),
// so the CLI test does not depend on a prior build.
const fs = require('node:fs');
const ts = require('typescript');
require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: filename,
    });
    module._compile(outputText, filename);
};
